import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function lockFile(dataDir: string): string {
  return join(resolve(dataDir), 'gateway.pid');
}

/** PID of a live gateway holding the PGlite data directory, if any. */
export function dataDirHolder(dataDir: string): number | null {
  const file = lockFile(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!pid || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** PGlite serves one process: refuse to start on a directory another live gateway holds, and mark ours. */
export function holdDataDirLock(dataDir: string): void {
  const holder = dataDirHolder(dataDir);
  if (holder) {
    throw new Error(
      `DATA_DIR ${resolve(dataDir)} is in use by gateway process ${holder}: the embedded PGlite database serves one ` +
        'gateway. Run several gateways on one Postgres instead (set DATABASE_URL).',
    );
  }
  mkdirSync(resolve(dataDir), { recursive: true });
  writeFileSync(lockFile(dataDir), String(process.pid));
  process.once('exit', () => rmSync(lockFile(dataDir), { force: true }));
}
