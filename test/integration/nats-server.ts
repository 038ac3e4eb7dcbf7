import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestNatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM, or SIGKILL for a crash), keeping its store: `start()` brings back the same streams. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped server again on the same port and store. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

/**
 * Each test file gets its own nats-server with JetStream on a free port and a throw-away store, so runs on a
 * shared machine never see each other's streams. A missing binary fails loudly with what to install.
 */
export async function startNatsServer(): Promise<TestNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'gw-nats-'));
  let child: ChildProcess | undefined;
  let port = 0;

  const launch = (wantedPort: number) =>
    new Promise<number>((resolve, reject) => {
      const args = ['-js', '-a', '127.0.0.1', '-p', String(wantedPort), '-sd', storeDir];
      const proc = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Listening for client connections on [\d.]+:(\d+)/.exec(output);
        if (match && /Server is ready/.test(output)) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new Error(
            `Cannot run ${NATS_SERVER} (${error.message}). Install it (apt-get install nats-server) or set NATS_SERVER_BIN.`,
          ),
        );
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${output}`));
      });
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };

  port = await launch(-1);
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    storeDir,
    stop,
    start: async () => {
      port = await launch(port);
    },
    restart: async () => {
      await stop();
      port = await launch(port);
    },
    dispose: async () => {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
