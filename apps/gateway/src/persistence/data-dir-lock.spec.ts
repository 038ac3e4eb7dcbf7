import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirHolder, holdDataDirLock, lockFile } from './data-dir-lock.js';

describe('the PGlite data directory lock', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'gw-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a second gateway on a directory a live gateway holds, pointing to DATABASE_URL', () => {
    const dataDir = dir();
    writeFileSync(lockFile(dataDir), String(process.ppid)); // a live process that is not this one
    expect(dataDirHolder(dataDir)).toBe(process.ppid);
    expect(() => holdDataDirLock(dataDir)).toThrow(/in use by gateway process \d+.*DATABASE_URL/s);
  });

  it('takes over a lock left by a process that is gone', () => {
    const dataDir = dir();
    writeFileSync(lockFile(dataDir), '2147483646'); // no such process
    expect(dataDirHolder(dataDir)).toBeNull();
    expect(() => holdDataDirLock(dataDir)).not.toThrow();
  });
});
