import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserConfig } from '../browser-session.js';
import { alive, profileProcesses } from './chromium-processes.js';
import { PuppeteerBrowserSession } from './puppeteer-browser-session.js';

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Live (not zombie) processes of a process group: a launched browser leads the group of all its helpers. */
async function group(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (stat && Number(pgrp) === pgid && state !== 'Z') members.push(Number(name));
  }
  return members;
}

// A worker that launches Chromium the way the session does (puppeteer, detached), prints its pid, then idles.
const OWNER = `
import puppeteer from 'puppeteer-core';
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME,
  userDataDir: process.env.PROFILE,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-gpu'],
});
await (await browser.newPage()).goto('about:blank');
process.stdout.write('pid ' + browser.process().pid + '\\n');
setInterval(() => {}, 1000);
`;

// Orphaned browsers (issue 8, finding 7) with real headless Chromium: a start reaps what a killed owner left on the
// profile, and stop() leaves nothing behind, even when the browser no longer answers.
describe('Chromium processes of a profile', () => {
  let dir: string;
  const sessions: PuppeteerBrowserSession[] = [];

  const session = (profileDir: string) => {
    const sut = new PuppeteerBrowserSession(
      Object.assign(new BrowserConfig(), { chromePath: CHROME, profileDir, timeoutMs: 5000, account: 'reap' }),
    );
    sessions.push(sut);
    return sut;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-reap-'));
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('ends the Chromium a SIGKILLed owner left on the profile when the next session starts', async () => {
    const profile = join(dir, 'orphaned');
    const owner = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
      cwd: process.cwd(),
      env: { ...process.env, CHROME, PROFILE: profile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    owner.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const orphan = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the owner did not launch Chromium:\n${out}`)), 30_000);
      owner.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const pid = /pid (\d+)/.exec(out)?.[1];
        if (pid) {
          clearTimeout(timer);
          resolve(Number(pid));
        }
      });
    });
    owner.kill('SIGKILL');
    await once(owner, 'exit');
    // The precondition: the browser outlived its owner, still on the profile and holding its lock.
    expect(await alive(orphan)).toBe(true);
    const left = await profileProcesses(profile);
    expect(left.filter((p) => p.browser).map((p) => p.pid)).toEqual([orphan]);
    expect(await readlink(join(profile, 'SingletonLock'))).toMatch(new RegExp(`-${orphan}$`));

    const sut = session(profile);
    await sut.start();
    expect(await alive(orphan)).toBe(false);
    const now = await profileProcesses(profile);
    expect(now.filter((p) => p.browser).map((p) => p.pid)).toEqual([sut.pid()]);
    expect(now.filter((p) => left.some((old) => old.pid === p.pid))).toEqual([]);
    expect(await group(orphan)).toEqual([]); // none of its helpers either
    expect(await readlink(join(profile, 'SingletonLock'))).toMatch(new RegExp(`-${sut.pid()}$`));
    await sut.stop();
  });

  it('starts on a profile whose lock names a browser of another host (a container restarted elsewhere)', async () => {
    const profile = join(dir, 'moved');
    await mkdir(profile, { recursive: true });
    await symlink('another-host-4242', join(profile, 'SingletonLock'));
    const sut = session(profile);
    await sut.start();
    expect(sut.state().connected).toBe(true);
    expect(await readlink(join(profile, 'SingletonLock'))).toMatch(new RegExp(`-${sut.pid()}$`));
    await sut.stop();
  });

  it('leaves no process on the profile within 2 s of stop()', async () => {
    const profile = join(dir, 'stopped');
    const sut = session(profile);
    await sut.start();
    const tab = await sut.openTab('about:blank');
    expect(tab.isClosed()).toBe(false);
    const pid = sut.pid()!;
    expect((await group(pid)).length).toBeGreaterThan(1); // the browser and its helpers
    const started = Date.now();
    await sut.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await profileProcesses(profile)).toEqual([]);
    expect(await group(pid)).toEqual([]);
  });

  it('ends a browser that no longer answers within 2 s of stop()', async () => {
    const profile = join(dir, 'frozen');
    const sut = session(profile);
    await sut.start();
    const pid = sut.pid()!;
    process.kill(pid, 'SIGSTOP'); // frozen: it will never answer Browser.close
    const started = Date.now();
    await sut.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await alive(pid)).toBe(false);
    expect(await profileProcesses(profile)).toEqual([]);
    expect(await group(pid)).toEqual([]);
  });
});
