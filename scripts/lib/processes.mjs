// Small process helpers shared by the start script and the benchmark: free ports, child apps with prefixed
// logs, waiting for readiness, and supervision (restart on a crash, a bounded stop). Plain Node only.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A port for an app started later. Drawn below the kernel's usual ephemeral range (32768–60999): a port the
 * kernel handed out with listen(0) returns to its pool when closed and can go to anyone's listen(0) or outgoing
 * connection before our app binds it (CI saw EADDRINUSE that way). Never the same port twice in one process;
 * other processes draw at random from 12,000 ports and the bind check skips ports in use.
 */
const handedOut = new Set();
export async function freePort() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    // 0.0.0.0 as the gateway and workers bind it.
    if (await portIsFree(port, '0.0.0.0')) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('No free port between 20000 and 32000');
}

/** The wanted port when free, else any free one. */
export async function preferPort(port) {
  return (await portIsFree(port)) ? port : freePort();
}

/**
 * Spawns a child with stdout/stderr prefixed by its name. `readyPattern` (RegExp on stdout) resolves the
 * returned promise with the match; exit before that rejects.
 */
export function startChild(
  name,
  command,
  args,
  { env, cwd, readyPattern, quiet = false, timeoutMs = 60_000, detached = false } = {},
) {
  const child = spawn(command, args, { env, cwd, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  let settled = false;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (!settled && readyPattern) reject(new Error(`${name} not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onLine = (line, stream) => {
      if (!quiet) stream.write(prefix + line + '\n');
      if (readyPattern && !settled) {
        const match = readyPattern.exec(line);
        if (match) {
          settled = true;
          clearTimeout(timer);
          resolve(match);
        }
      }
    };
    const pipe = (source, sink) => {
      let buffer = ''; // one per stream: lines of stdout and stderr never mix
      source.on('data', (chunk) => {
        buffer += chunk.toString();
        let idx;
        while ((idx = buffer.indexOf('\n')) >= 0) {
          onLine(buffer.slice(0, idx), sink);
          buffer = buffer.slice(idx + 1);
        }
      });
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
      }
    });
    if (!readyPattern) {
      settled = true;
      resolve(null);
    }
  });
  return { child, ready };
}

export async function waitForHttp(url, { timeoutMs = 60_000, headers = {} } = {}) {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      if (res.ok) return res;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

export function stopChild(child, signal = 'SIGTERM', graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** `{pid, ppid, pgid}` of every live process (from /proc; zombies left out). */
function processTable() {
  const table = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat = '';
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && state !== 'X') table.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid) });
  }
  return table;
}

/**
 * A process and everything below it, with their process groups. Chromium runs in a group of its own (puppeteer
 * launches it detached), so killing a worker's group alone would leave its browser behind.
 */
export function processTree(pid) {
  const table = processTable();
  const tree = table.filter((p) => p.pid === pid);
  for (let i = 0; i < tree.length; i++) tree.push(...table.filter((p) => p.ppid === tree[i].pid));
  return tree;
}

export function isAlive(pid) {
  return processTable().some((p) => p.pid === pid);
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Signals every process of a tree and every process group in it. */
function signalTree(tree, signal) {
  for (const group of new Set(tree.map((p) => p.pgid))) if (group > 1 && group !== process.pid) kill(-group, signal);
  for (const p of tree) kill(p.pid, signal);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitDead(pids, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const table = new Set(processTable().map((p) => p.pid));
    const left = pids.filter((pid) => table.has(pid));
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(25);
  }
}

/**
 * Runs `command` as a supervised child in a process group of its own, with prefixed logs. When it exits on its own
 * (a crash, a lost dependency) it is started again after a backoff (`initialMs` doubling to `maxMs`, back to
 * `initialMs` once a run lasted `stableMs`), so one crashed app never stops the others. `stop()` ends it and
 * everything it started, Chromium included: SIGTERM to the child, then after `graceMs` SIGKILL to every process
 * and process group of its tree.
 */
export function superviseChild(
  name,
  command,
  args,
  {
    env,
    cwd,
    readyPattern,
    quiet = false,
    timeoutMs = 60_000,
    initialMs = 1000,
    maxMs = 30_000,
    stableMs = 60_000,
  } = {},
) {
  let child;
  let stopped = false;
  let restartTimer;
  let failures = 0;
  let restarts = 0;
  const log = (line) => process.stderr.write(`[${name}] ${line}\n`);

  const run = () => {
    const startedAt = Date.now();
    const started = startChild(name, command, args, { env, cwd, readyPattern, quiet, timeoutMs, detached: true });
    child = started.child;
    child.once('exit', (code, signal) => {
      if (stopped) return;
      failures = Date.now() - startedAt >= stableMs ? 1 : failures + 1;
      const delay = Math.min(maxMs, initialMs * 2 ** (failures - 1));
      log(`exited (${code ?? signal}); restarting in ${delay} ms`);
      restartTimer = setTimeout(() => {
        restarts++;
        run().ready.catch((error) => log(String(error instanceof Error ? error.message : error)));
      }, delay);
    });
    return started;
  };

  const first = run();
  return {
    name,
    ready: first.ready,
    get child() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    async stop(graceMs = 2000) {
      stopped = true;
      clearTimeout(restartTimer);
      const current = child;
      if (!current?.pid || current.exitCode !== null || current.signalCode !== null) return;
      // Seen now, while the child still parents them: once it is gone its orphans hang off init.
      const seen = processTree(current.pid);
      // SIGTERM to the child alone: it closes what it started in its own order (a worker its browser); a signal to
      // its group as well would reach it twice, and Node dies on a second SIGTERM once Nest's handler is gone.
      kill(current.pid, 'SIGTERM');
      const exited = new Promise((resolve) => current.once('exit', resolve));
      const inTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!inTime) log(`still running after ${graceMs} ms: SIGKILL`);
      const tree = [...seen, ...processTree(current.pid)];
      signalTree(tree, 'SIGKILL');
      await waitDead(
        tree.map((p) => p.pid),
        1000,
      );
    },
  };
}

/** Stops supervised children at once (in parallel), each given `graceMs` before SIGKILL. */
export async function stopAll(supervised, graceMs = 2000) {
  await Promise.all(supervised.map((s) => s.stop(graceMs)));
}
