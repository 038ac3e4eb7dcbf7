import { readFileSync, readdirSync } from 'node:fs';

export interface ChromiumProcess {
  pid: number;
  /** The browser process itself (renderers, GPU and zygote carry `--type=`). */
  main: boolean;
}

/** Chromium processes running on a profile directory, found by their `--user-data-dir` (puppeteer passes it so). */
export function chromiumOn(profileDir: string): ChromiumProcess[] {
  const found: ChromiumProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // ended meanwhile
    }
    const dir = args.find((a) => a.startsWith('--user-data-dir='))?.slice('--user-data-dir='.length);
    if (dir !== profileDir && !dir?.startsWith(`${profileDir}/`)) continue;
    found.push({ pid: Number(entry), main: !args.some((a) => a.startsWith('--type=')) });
  }
  return found;
}

/** kill -9, ignoring a process that is already gone. */
export function killHard(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
