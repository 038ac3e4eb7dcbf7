import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from '../../scripts/lib/processes.mjs';
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

/** Runs nats-server with `args` until it is ready; resolves with the process and its client port. */
function launchNats(args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-50_000);
      const match = /Listening for client connections on [\d.]+:(\d+)/.exec(output);
      if (match && /Server is ready/.test(output)) {
        clearTimeout(timer);
        resolve({ proc, port: Number(match[1]) });
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
}

async function stopProcess(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

/**
 * Each test file gets its own nats-server with JetStream on a free port and a throw-away store, so runs on a
 * shared machine never see each other's streams. A missing binary fails loudly with what to install.
 */
export async function startNatsServer(): Promise<TestNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'gw-nats-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const launch = async (wantedPort: number) => {
    const started = await launchNats(['-js', '-a', '127.0.0.1', '-p', String(wantedPort), '-sd', storeDir]);
    child = started.proc;
    return started.port;
  };
  const stop = (signal?: NodeJS.Signals) => stopProcess(child, signal);

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

export interface TestNatsCluster {
  /** Every node's client URL, comma-separated (as NATS_URL takes them). */
  url: string;
  nodes: TestNatsServer[];
  dispose(): Promise<void>;
}

/**
 * A JetStream cluster of `size` nats-server processes on loopback ports (routes between all of them), each with its
 * own store; resolves once JetStream answers through the cluster (a meta leader was elected).
 */
export async function startNatsCluster(size = 3): Promise<TestNatsCluster> {
  const name = `gwtest-${randomBytes(4).toString('hex')}`;
  const clientPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
  const nodes = await Promise.all(
    clientPorts.map(async (port, i): Promise<TestNatsServer> => {
      const storeDir = await mkdtemp(join(tmpdir(), 'gw-nats-'));
      const args = [
        ...['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
        ...['-n', `${name}-${i}`, '--cluster_name', name, '--cluster', `nats://127.0.0.1:${routePorts[i]}`],
        ...['--routes', routes],
      ];
      let child = (await launchNats(args)).proc;
      const stop = (signal?: NodeJS.Signals) => stopProcess(child, signal);
      const start = async () => {
        child = (await launchNats(args)).proc;
      };
      return {
        url: `nats://127.0.0.1:${port}`,
        port,
        storeDir,
        stop,
        start,
        restart: async () => {
          await stop();
          await start();
        },
        dispose: async () => {
          await stop();
          await rm(storeDir, { recursive: true, force: true });
        },
      };
    }),
  );
  const url = nodes.map((node) => node.url).join(',');
  await waitForJetStream(nodes.map((node) => node.url));
  return { url, nodes, dispose: async () => void (await Promise.all(nodes.map((node) => node.dispose()))) };
}

async function waitForJetStream(servers: string[]): Promise<void> {
  const nc = await connect({ servers });
  try {
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
        return;
      } catch (error) {
        if (Date.now() > until) throw new Error(`The JetStream cluster did not form: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 250)); // polling the condition, not a fixed sleep
      }
    }
  } finally {
    await nc.close();
  }
}
