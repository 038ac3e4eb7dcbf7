// Small process helpers shared by the start script and the benchmark: free ports, child apps with prefixed
// logs, waiting for readiness. Plain Node only.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The wanted port when free, else any free one. */
export async function preferPort(port) {
  return (await portIsFree(port)) ? port : freePort();
}

/**
 * Spawns a child with stdout/stderr prefixed by its name. `readyPattern` (RegExp on stdout) resolves the
 * returned promise with the match; exit before that rejects.
 */
export function startChild(name, command, args, { env, cwd, readyPattern, quiet = false, timeoutMs = 60_000 } = {}) {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  let buffer = '';
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
    const pipe = (source, sink) =>
      source.on('data', (chunk) => {
        buffer += chunk.toString();
        let idx;
        while ((idx = buffer.indexOf('\n')) >= 0) {
          onLine(buffer.slice(0, idx), sink);
          buffer = buffer.slice(idx + 1);
        }
      });
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
