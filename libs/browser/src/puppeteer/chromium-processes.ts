import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A process of a Chromium running on one profile: the browser itself or one of its helpers (zygote, renderer…). */
export interface ProfileProcess {
  pid: number;
  ppid: number;
  pgid: number;
  /** The browser process (no `--type=`): its parent owns it, and it leads its helpers' process group. */
  browser: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `/proc/<pid>/stat` fields after the command name: state, ppid, pgrp. Zombies count as gone. */
async function stat(pid: number): Promise<{ state: string; ppid: number; pgid: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!text) return undefined;
  const [state, ppid, pgid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid), pgid: Number(pgid) };
}

export async function alive(pid: number): Promise<boolean> {
  const s = await stat(pid);
  return !!s && s.state !== 'Z' && s.state !== 'X';
}

async function cmdline(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return text.split('\0').filter(Boolean);
}

/** Every live process whose command line carries `--user-data-dir=<profileDir>` (read from /proc). */
export async function profileProcesses(profileDir: string): Promise<ProfileProcess[]> {
  const wanted = new Set([`--user-data-dir=${profileDir}`, `--user-data-dir=${resolve(profileDir)}`]);
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  const found: ProfileProcess[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const args = await cmdline(pid);
    if (!args.some((arg) => wanted.has(arg))) continue;
    const s = await stat(pid);
    if (!s || s.state === 'Z' || s.state === 'X') continue;
    found.push({ pid, ppid: s.ppid, pgid: s.pgid, browser: !args.some((arg) => arg.startsWith('--type=')) });
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (ESRCH)
  }
}

/** Signals each process, and the process group of each browser that leads one (puppeteer launches it detached). */
function signalAll(processes: ProfileProcess[], sig: NodeJS.Signals): void {
  for (const p of processes) {
    if (p.browser && p.pgid === p.pid) signal(-p.pgid, sig);
    signal(p.pid, sig);
  }
}

async function waitGone(profileDir: string, ms: number): Promise<ProfileProcess[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = await profileProcesses(profileDir);
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(50);
  }
}

/**
 * Ends every Chromium on `profileDir` (SIGTERM, then SIGKILL after `graceMs`) and removes the profile's Singleton*
 * files, which would make a new Chromium refuse the profile. A browser whose parent is another live Node process
 * (another worker on the same profile: a configuration error) is not ours to kill: that throws instead.
 */
export async function reapProfile(profileDir: string, graceMs = 1000): Promise<number[]> {
  const found = await profileProcesses(profileDir);
  for (const browser of found.filter((p) => p.browser)) {
    const owner = browser.ppid;
    if (owner === 1 || owner === process.pid || !(await alive(owner))) continue;
    if ((await cmdline(owner)).some((arg) => /(^|\/)node$/.test(arg))) {
      throw new Error(`Profile ${profileDir} is in use by Chromium ${browser.pid} of the live process ${owner}`);
    }
  }
  if (found.length) {
    signalAll(found, 'SIGTERM');
    const left = await waitGone(profileDir, graceMs);
    if (left.length) {
      signalAll(left, 'SIGKILL');
      const stuck = await waitGone(profileDir, 2000);
      if (stuck.length) {
        throw new Error(`Chromium ${stuck.map((p) => p.pid).join(', ')} on ${profileDir} survived SIGKILL`);
      }
    }
  }
  const entries = await readdir(profileDir).catch(() => []);
  await Promise.all(
    entries.filter((name) => name.startsWith('Singleton')).map((name) => rm(join(profileDir, name), { force: true })),
  );
  return found.map((p) => p.pid);
}

/** SIGKILL to a launched browser's process group (its helpers too), then waits up to `waitMs` for the profile to empty. */
export async function killBrowserGroup(pid: number, profileDir: string, waitMs = 1000): Promise<void> {
  signal(-pid, 'SIGKILL');
  signal(pid, 'SIGKILL');
  const left = await waitGone(profileDir, waitMs);
  // Helpers that left the group (none known, but cheap to cover).
  if (left.length) signalAll(left, 'SIGKILL');
}
