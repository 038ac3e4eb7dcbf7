import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ProviderEntry, ProviderName } from '@app/contracts';
import { PROVIDER_CATALOG } from '../../provider-catalog.mjs';
import { freePort } from '../../scripts/lib/processes.mjs';
import { sandboxEnv } from '../../scripts/lib/providers.mjs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { startNatsCluster, startNatsServer, type TestNatsCluster, type TestNatsServer } from './nats-server.js';

/**
 * Boots the real system for end-to-end tests: its own nats-server, the simulator, the gateway and the Midjourney
 * worker as separate processes from the compiled dist (as in production), with throw-away data directories.
 * `npm test` builds dist first; running these specs alone needs `npx nest build gateway midjourney simulator`.
 */
export { freePort };

const root = resolve(import.meta.dirname, '..', '..');
export const appEntry = (app: string) => join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');

/** The simulator's SIMULATOR_READY line: its admin URL and each provider's imitated origins (catalog `simulator`). */
export type SimulatorUrls = { admin: string } & {
  [P in ProviderName]: { [Origin in keyof Extract<ProviderEntry, { name: P }>['simulator']]: string };
};

export type WorkerName = ProviderName;

/**
 * How each provider worker is set up against the simulator, from the catalog (`sandbox`, with its `test` additions):
 * the simulator account and cookies it needs, and its environment (ports, target URLs, profile). Every worker gets
 * the shared variables of TestSystem as well.
 */
export interface WorkerSetup {
  /** Environment variable holding the worker's health port. */
  portVariable: string;
  env(system: TestSystem): Promise<Record<string, string>>;
}

export const WORKER_SETUPS = Object.fromEntries(
  PROVIDER_CATALOG.map((entry): [WorkerName, WorkerSetup] => [
    entry.name,
    {
      portVariable: `${entry.env}_PORT`,
      async env(system) {
        const { set, defaults } = sandboxEnv(entry, system.sim, system.simSpeed, { test: true });
        return {
          ...defaults,
          ...set,
          [`${entry.env}_COOKIES_FILE`]: await system.sandboxCookies(entry.name),
          [`${entry.env}_PROFILE_DIR`]: join(system.dataDir, `profile-${entry.name}`),
        };
      },
    },
  ]),
) as Record<WorkerName, WorkerSetup>;

export interface RunningApp {
  name: string;
  child: ChildProcess;
  output: () => string;
}

export function spawnApp(name: string, env: NodeJS.ProcessEnv): RunningApp {
  const entry = appEntry(name);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx nest build ${name}\` (npm test does it).`);
  // e.g. SYSTEM_TEST_NODE_ARGS_GATEWAY='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile one app under a test.
  const nodeArgs = (process.env[`SYSTEM_TEST_NODE_ARGS_${name.toUpperCase()}`] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
    if (process.env.SYSTEM_TEST_LOGS) process.stderr.write(`[${name}] ${chunk.toString()}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { name, child, output: () => out };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, app?: RunningApp) {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    if (app && app.child.exitCode !== null) {
      throw new Error(
        `${app.name} exited with ${app.child.exitCode} while waiting for ${what}:\n${app.output().slice(-4000)}`,
      );
    }
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out waiting for ${what} (${String(last)})${app ? `:\n${app.output().slice(-4000)}` : ''}`);
}

async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok ? true : undefined;
}

export async function stopApp(app: RunningApp | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  await new Promise<void>((res) => {
    const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
    app.child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    app.child.kill(signal);
  });
}

export interface SystemOptions {
  database?: 'pglite' | 'postgres';
  /** Name prefix of the throw-away Postgres database (default gw_system). */
  databasePrefix?: string;
  simSpeed?: number;
  gatewayEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** SQL run on the Postgres database before the gateway starts (e.g. a product_design table). */
  postgresSetup?: string;
  /** Start the Midjourney worker too (default true); `workers` overrides it. */
  worker?: boolean;
  /** Provider workers to start (default: ['midjourney'] unless `worker` is false). */
  workers?: WorkerName[];
  /** Extra environment per provider worker. */
  envOf?: Partial<Record<WorkerName, Record<string, string>>>;
  /** A 3-node JetStream cluster (NATS_REPLICAS=3) instead of one nats-server; `nats` is then its first node. */
  natsCluster?: boolean;
}

export class TestSystem {
  nats!: TestNatsServer;
  cluster?: TestNatsCluster;
  /** Gateways started besides the first (startGatewayReplica), on the same database. */
  readonly replicas: { url: string; app: RunningApp }[] = [];
  db?: TestDatabase;
  dataDir!: string;
  sim!: SimulatorUrls;
  simulator!: RunningApp;
  gateway?: RunningApp;
  gatewayUrl!: string;
  /** Running provider workers and their health URLs. */
  readonly workers = new Map<WorkerName, RunningApp>();
  readonly workerUrls = new Map<WorkerName, string>();
  apiKey = `gw_test_${randomBytes(16).toString('hex')}`;
  private env: NodeJS.ProcessEnv = {};
  private readonly workerEnvs = new Map<WorkerName, NodeJS.ProcessEnv>();
  /** More Midjourney workers, one per extra account (pinning tests), by account name. */
  readonly extraMidjourney = new Map<string, { app: RunningApp; url: string }>();

  constructor(private readonly options: SystemOptions = {}) {}

  get simSpeed(): number {
    return this.options.simSpeed ?? 0.05;
  }

  /** The Midjourney worker (most specs drive only that one). */
  get worker(): RunningApp | undefined {
    return this.workers.get('midjourney');
  }

  get workerUrl(): string {
    return this.workerUrls.get('midjourney') ?? '';
  }

  private get workerNames(): WorkerName[] {
    return this.options.workers ?? (this.options.worker === false ? [] : ['midjourney']);
  }

  /** Starts everything; on failure stops what did start, so a failed start leaves no processes behind. */
  async start(): Promise<this> {
    try {
      return await this.startAll();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  private async startAll(): Promise<this> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'gw-system-'));
    if (this.options.natsCluster) {
      this.cluster = await startNatsCluster(3);
      this.nats = this.cluster.nodes[0];
    } else {
      this.nats = await startNatsServer();
    }
    if (this.options.database === 'postgres') {
      this.db = await createTestDatabase(this.options.databasePrefix ?? 'gw_system');
      if (this.options.postgresSetup) {
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: this.db.url });
        await client.connect();
        await client.query(this.options.postgresSetup);
        await client.end();
      }
    }
    const gatewayPort = await freePort();
    // Every imitated origin on a free port of its own: test files run in parallel.
    this.simulator = spawnApp('simulator', {
      ...process.env,
      SIM_ANY_PORTS: 'true',
      SIMULATOR_PORT: '0',
      SIM_SPEED: String(this.simSpeed),
    });
    this.sim = await waitFor(
      'simulator',
      async () => {
        const match = /SIMULATOR_READY (.*)/.exec(this.simulator.output());
        return match ? (JSON.parse(match[1]) as SimulatorUrls) : undefined;
      },
      30_000,
      this.simulator,
    );
    await mkdir(join(this.dataDir, 'files'), { recursive: true });

    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    this.env = {
      ...process.env,
      NATS_URL: this.cluster?.url ?? this.nats.url,
      ...(this.cluster ? { NATS_REPLICAS: '3' } : {}),
      DATA_DIR: join(this.dataDir, 'gateway'),
      ...(this.db ? { DATABASE_URL: this.db.url } : { DATABASE_URL: '' }),
      GATEWAY_PORT: String(gatewayPort),
      PUBLIC_BASE_URL: this.gatewayUrl,
      BOOTSTRAP_API_KEY: this.apiKey,
      STORAGE_DRIVER: 'local',
      STORAGE_DIR: join(this.dataDir, 'files'),
      FILES_SIGNING_SECRET: randomBytes(16).toString('hex'),
      // What the gateway reads of each provider's sandbox setup (Midjourney's CDN hosts and private reference
      // images: they are served from loopback; GPT URLs on the simulator).
      ...Object.assign({}, ...PROVIDER_CATALOG.map((entry) => sandboxEnv(entry, this.sim, this.simSpeed).gateway)),
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true', // the specs' webhook receivers listen on loopback
      LOG_LEVEL: 'warn',
    };
    for (const name of this.workerNames) {
      const setup = WORKER_SETUPS[name];
      if (!setup) throw new Error(`No test setup for the ${name} worker`);
      const port = await freePort();
      this.workerUrls.set(name, `http://127.0.0.1:${port}`);
      this.workerEnvs.set(name, {
        ...(await setup.env(this)),
        [setup.portVariable]: String(port),
        ...(name === 'midjourney' ? this.options.workerEnv : {}),
        ...this.options.envOf?.[name],
      });
    }
    await Promise.all([this.startGateway(), ...this.workerNames.map((name) => this.startProviderWorker(name))]);
    return this;
  }

  async startGateway(): Promise<void> {
    this.gateway = spawnApp('gateway', { ...this.env, ...this.options.gatewayEnv });
    await waitFor('gateway ready', () => httpOk(`${this.gatewayUrl}/health/ready`), 120_000, this.gateway);
  }

  /**
   * Another gateway on the same database and NATS (Postgres only: PGlite is one process's). Files and webhooks
   * keep the first gateway's public URL, as replicas behind one load balancer would.
   */
  async startGatewayReplica(): Promise<{ url: string; app: RunningApp }> {
    if (!this.db) throw new Error('Gateway replicas need `database: postgres`');
    const port = await freePort();
    const app = spawnApp('gateway', { ...this.env, ...this.options.gatewayEnv, GATEWAY_PORT: String(port) });
    const replica = { url: `http://127.0.0.1:${port}`, app };
    this.replicas.push(replica);
    await waitFor('gateway replica ready', () => httpOk(`${replica.url}/health/ready`), 120_000, app);
    return replica;
  }

  /** Starts (or restarts) a provider worker and waits until it is ready (signed in, browser up). */
  async startProviderWorker(name: WorkerName, { ready = true }: { ready?: boolean } = {}): Promise<RunningApp> {
    const env = this.workerEnvs.get(name);
    if (!env) throw new Error(`The ${name} worker was not configured for this system (options.workers)`);
    const app = spawnApp(name, { ...this.env, ...env });
    this.workers.set(name, app);
    const url = `${this.workerUrls.get(name)}/health/${ready ? 'ready' : 'live'}`;
    await waitFor(`${name} worker ${ready ? 'ready' : 'live'}`, () => httpOk(url), 90_000, app);
    return app;
  }

  /** The environment a provider worker starts with (its own part: ports, target URLs, profile directory). */
  workerEnv(name: WorkerName): NodeJS.ProcessEnv | undefined {
    return this.workerEnvs.get(name);
  }

  /**
   * Starts another Midjourney worker for another simulator account (its own cookies, profile and health port), as a
   * second replica of the service would run in production: jobs are shared, follow-ups pinned to their account.
   */
  async startMidjourneyAccount(account: string): Promise<{ app: RunningApp; url: string }> {
    const base = this.workerEnvs.get('midjourney');
    if (!base) throw new Error('The midjourney worker was not configured for this system');
    await this.admin('POST', '/__admin/midjourney/accounts', { name: account });
    const cookies = await (await fetch(`${this.sim.admin}/__admin/midjourney/accounts/${account}/cookies`)).text();
    const cookiesFile = join(this.dataDir, `midjourney-${account}.cookies.json`);
    await writeFile(cookiesFile, cookies, { mode: 0o600 });
    const port = await freePort();
    const app = spawnApp('midjourney', {
      ...this.env,
      ...base,
      MIDJOURNEY_ACCOUNT: account,
      MIDJOURNEY_COOKIES_FILE: cookiesFile,
      MIDJOURNEY_PROFILE_DIR: join(this.dataDir, `profile-${account}`),
      MIDJOURNEY_PORT: String(port),
    });
    const started = { app, url: `http://127.0.0.1:${port}` };
    this.extraMidjourney.set(account, started);
    await waitFor(`midjourney worker of ${account} ready`, () => httpOk(`${started.url}/health/ready`), 90_000, app);
    return started;
  }

  stopProviderWorker(name: WorkerName, signal: NodeJS.Signals = 'SIGTERM') {
    return stopApp(this.workers.get(name), signal);
  }

  async startWorker(): Promise<void> {
    await this.startProviderWorker('midjourney');
  }

  stopGateway(signal: NodeJS.Signals = 'SIGTERM') {
    return stopApp(this.gateway, signal);
  }

  stopWorker(signal: NodeJS.Signals = 'SIGTERM') {
    return this.stopProviderWorker('midjourney', signal);
  }

  /** Creates the provider's default account in the simulator and writes its session cookies to a file for the worker. */
  async sandboxCookies(provider: WorkerName): Promise<string> {
    await this.admin('POST', `/__admin/${provider}/accounts`, { name: 'default' });
    const cookies = await (await fetch(`${this.sim.admin}/__admin/${provider}/accounts/default/cookies`)).text();
    const file = join(this.dataDir, `${provider}.cookies.json`);
    await writeFile(file, cookies, { mode: 0o600 });
    return file;
  }

  /** Calls the gateway with the bootstrap key (unless `headers` overrides it). */
  async api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.apiAt<T>(this.gatewayUrl, method, path, body, headers);
  }

  /** Like `api`, on the gateway at `baseUrl` (a replica). */
  async apiAt<T = any>(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    // An empty header value means "send no such header".
    const merged = Object.entries({
      'x-api-key': this.apiKey,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    }).filter(([, v]) => v !== '');
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: Object.fromEntries(merged),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: T | undefined;
    try {
      json = JSON.parse(text) as T;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: json as T, text };
  }

  async admin<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.sim.admin}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator admin ${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Polls GET /v1/jobs/:id until `predicate` holds. */
  async waitForJob(id: string, predicate: (job: any) => boolean, timeoutMs = 60_000): Promise<any> {
    let last: any;
    try {
      return await waitFor(
        `job ${id}`,
        async () => {
          const { body } = await this.api('GET', `/v1/jobs/${id}`);
          last = body;
          return predicate(body) ? body : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(
        `${String(error)}\nlast job state: ${JSON.stringify(last)}\n${[...this.workers]
          .map(([name, app]) => `--- ${name} ---\n${app.output().slice(-3000)}`)
          .join('\n')}\n--- gateway ---\n${this.gateway?.output().slice(-3000)}`,
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all([
      ...[...this.workers.values(), ...[...this.extraMidjourney.values()].map((w) => w.app)].map((app) => stopApp(app)),
      stopApp(this.gateway),
      ...this.replicas.map(({ app }) => stopApp(app)),
    ]);
    await stopApp(this.simulator);
    await (this.cluster ?? this.nats)?.dispose();
    await this.db?.drop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
