import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAlive, processTree, stopAll, superviseChild, type Supervised } from './processes.mjs';

// Each run of a child appends "<time> <pid>" to a file; the first `CRASHES` runs exit with 1 at once.
const CRASHY = `
const fs = require('node:fs');
const runs = fs.existsSync(process.env.RUNS) ? fs.readFileSync(process.env.RUNS, 'utf8').split('\\n').filter(Boolean).length : 0;
fs.appendFileSync(process.env.RUNS, Date.now() + ' ' + process.pid + '\\n');
if (runs < Number(process.env.CRASHES)) process.exit(1);
setInterval(() => {}, 1000);
`;

// A child that ignores SIGTERM and starts a grandchild in a process group and session of its own (as puppeteer
// starts Chromium), which ignores SIGTERM too; it writes both pids.
const STUBBORN = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
process.on('SIGTERM', () => {});
const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], {
  detached: true,
  stdio: 'ignore',
});
fs.writeFileSync(process.env.PIDS, process.pid + ' ' + grandchild.pid);
setInterval(() => {}, 1000);
`;

describe('superviseChild', () => {
  let dir: string;
  const running: Supervised[] = [];
  const supervise = (name: string, script: string, env: Record<string, string>, options = {}) => {
    const s = superviseChild(name, process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      quiet: true,
      ...options,
    });
    running.push(s);
    return s;
  };
  const lines = async (file: string) =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').map(Number));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-supervise-'));
  });
  afterEach(async () => {
    await stopAll(running.splice(0), 200);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a crashed child again with a growing backoff, and leaves the others running', async () => {
    const runs = join(dir, 'runs');
    const steady = supervise('steady', CRASHY, { RUNS: join(dir, 'steady'), CRASHES: '0' });
    await vi.waitFor(async () => expect(await lines(join(dir, 'steady'))).toHaveLength(1), { timeout: 10_000 });
    const steadyPid = steady.child.pid;
    const crashy = supervise('crashy', CRASHY, { RUNS: runs, CRASHES: '2' }, { initialMs: 100, maxMs: 1000 });
    // Two crashes, then a third run that stays up.
    await vi.waitFor(async () => expect(await lines(runs)).toHaveLength(3), { timeout: 15_000, interval: 50 });
    const [first, second, third] = await lines(runs);
    expect(second[0] - first[0]).toBeGreaterThanOrEqual(100); // the first backoff
    expect(third[0] - second[0]).toBeGreaterThanOrEqual(200); // doubled
    expect(crashy.restarts).toBe(2);
    expect(crashy.child.pid).toBe(third[1]);
    expect(isAlive(third[1])).toBe(true);
    // The other child never noticed.
    expect(steady.child.pid).toBe(steadyPid);
    expect(steady.restarts).toBe(0);
    expect(isAlive(steadyPid!)).toBe(true);
  });

  it('ends a child that ignores SIGTERM and the detached process it started, within 3 s', async () => {
    const pidsFile = join(dir, 'pids');
    const stubborn = supervise('stubborn', STUBBORN, { PIDS: pidsFile });
    const [child, grandchild] = await vi.waitFor(
      async () => {
        const [pids] = await lines(pidsFile);
        expect(pids).toHaveLength(2);
        return pids;
      },
      { timeout: 10_000 },
    );
    // The grandchild leads a group of its own: a kill of the child's group would miss it.
    const tree = processTree(child);
    expect(tree.find((p) => p.pid === grandchild)).toMatchObject({ ppid: child, pgid: grandchild });
    const started = Date.now();
    await stubborn.stop(1000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect([isAlive(child), isAlive(grandchild)]).toEqual([false, false]);
  });

  it('stops several children at once, not one after the other', async () => {
    const children = [1, 2, 3].map((i) => supervise(`stubborn-${i}`, STUBBORN, { PIDS: join(dir, `pids-${i}`) }));
    const pids = await vi.waitFor(
      async () => {
        const all = await Promise.all([1, 2, 3].map(async (i) => (await lines(join(dir, `pids-${i}`)))[0]));
        expect(all.every((p) => p?.length === 2)).toBe(true);
        return all.flat();
      },
      { timeout: 10_000 },
    );
    const started = Date.now();
    await stopAll(running.splice(0), 1000);
    expect(Date.now() - started).toBeLessThan(2500); // three times 1 s in a row would take more than 3 s
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    expect(children.every((c) => c.restarts === 0)).toBe(true);
  });
});
