import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { Consumers, Streams } from '@app/contracts';
import { startNatsServer, type TestNatsServer } from '../nats-server.js';
import { freePort, spawnApp, stopApp, waitFor, type RunningApp } from '../system.js';

// Finding 4 (issue 8), app half: the app starts while NATS or Postgres is down instead of exiting, keeps
// liveness green and readiness red, answers the API with a stable 503 where it needs the database, and becomes
// ready on its own once the dependency is back.
describe('gateway started during an outage', () => {
  let app: RunningApp | undefined; // the process under test: the gateway, or a provider worker
  let nats: TestNatsServer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await stopApp(app);
    await nats?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
    app = nats = dir = undefined;
  });

  const start = async (env: Record<string, string>) => {
    dir = await mkdtemp(join(tmpdir(), 'gw-outage-'));
    await mkdir(join(dir, 'files'), { recursive: true });
    const port = await freePort();
    const apiKey = `gw_test_${randomBytes(16).toString('hex')}`;
    app = spawnApp('gateway', {
      ...process.env,
      GATEWAY_PORT: String(port),
      DATA_DIR: join(dir, 'gateway'),
      DATABASE_URL: '',
      STORAGE_DRIVER: 'local',
      STORAGE_DIR: join(dir, 'files'),
      BOOTSTRAP_API_KEY: apiKey,
      LOG_LEVEL: 'warn',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true', // the webhook receiver is this test, on loopback
      ...env,
    });
    const url = `http://127.0.0.1:${port}`;
    const live = await waitFor(
      'gateway live',
      async () => ((await fetch(`${url}/health/live`)).ok ? true : undefined),
      60_000,
      app,
    );
    expect(live).toBe(true);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
    return { url, api };
  };

  const readiness = async (url: string) => {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as { info?: object; error?: Record<string, unknown> } };
  };

  it('waits for NATS: live 200, ready 503, jobs accepted and handed over once NATS is up, then ready 200', async () => {
    nats = await startNatsServer();
    await nats.stop(); // its port stays known and closed: the app connects to nothing
    const { url, api } = await start({ NATS_URL: nats.url, GATEWAY_SWEEP_INTERVAL_MS: '200' });

    // PGlite opens in the background: wait until readiness says only NATS is missing.
    const down = await waitFor(
      'readiness with the database up and NATS down',
      async () => {
        const probe = await readiness(url);
        return probe.body.info && 'database' in probe.body.info ? probe : undefined;
      },
      60_000,
      app,
    );
    expect(down.status).toBe(503);
    expect(down.body.error).toHaveProperty('nats');
    expect(app!.child.exitCode).toBeNull(); // still running, not exited with ECONNREFUSED

    // The database is up: a job is stored and answered at once, its publish left to the sweeper.
    const created = await api('POST', '/v1/midjourney/imagine', { prompt: 'accepted while NATS is down' });
    expect(created.status).toBe(202);
    const job = (await created.json()) as { id: string; status: string };
    expect(job.status).toBe('pending');

    await nats.restart();
    const ready = await waitFor(
      'gateway ready after NATS came back',
      async () => ((await readiness(url)).status === 200 ? true : undefined),
      60_000,
      app,
    );
    expect(ready).toBe(true);

    // The job reaches the work queue without a second request (the sweeper republishes unconfirmed creates).
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const queued = await waitFor(
        'the job in the JOBS stream',
        async () => ((await jsm.streams.info(Streams.jobs)).state.messages >= 1 ? true : undefined),
        60_000,
        app,
      );
      expect(queued).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('waits for Postgres: live 200, ready 503, the API answers 503 SERVICE_UNAVAILABLE, the outage logged once', async () => {
    nats = await startNatsServer();
    const closedPort = await freePort(); // nothing listens here
    const { url, api } = await start({
      NATS_URL: nats.url,
      DATABASE_URL: `postgres://gateway:unused@127.0.0.1:${closedPort}/gateway`,
      GATEWAY_SWEEP_INTERVAL_MS: '200',
    });

    const down = await readiness(url);
    expect(down.status).toBe(503);
    expect(down.body.error).toHaveProperty('database');

    for (const [method, path, body] of [
      ['GET', '/v1/jobs'],
      ['POST', '/v1/midjourney/imagine', { prompt: 'refused while the database is down' }],
    ] as const) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    }
    // The original routes keep their own error shape, with the same code.
    const compat = await api('POST', '/midjourney/genimage', { prompt: 'a compat request' });
    expect(compat.status).toBe(503);
    expect(await compat.json()).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' });

    // The loops that run every 200 ms–1 s (sweeper, webhooks, the open itself) do not repeat it: one line in all.
    await waitFor(
      'the database open to be retried a few times',
      async () => (/reaching the database failed/.test(app!.output()) ? true : undefined),
      30_000,
      app,
    );
    const output = app!.output();
    expect(output.match(/reaching the database failed/g)).toHaveLength(1);
    expect(output).not.toMatch(/deadline sweep failed|webhook delivery .* failed/); // the Database said it for them
    expect(app!.child.exitCode).toBeNull();
  });

  it('ends a job that never reached a worker at its deadline, NATS down throughout: timeout QUEUE_TIMEOUT within 5 s, webhook sent', async () => {
    const hooks: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const address = receiver.address();
      const hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
      nats = await startNatsServer();
      await nats.stop();
      const { api } = await start({ NATS_URL: nats.url }); // default sweep interval and grace
      const created = await waitFor(
        'the database to open',
        async () => {
          const res = await api('POST', '/v1/midjourney/imagine', {
            prompt: 'never submitted',
            timeout_seconds: 30,
            webhook_url: hookUrl,
          });
          return res.status === 202 ? ((await res.json()) as { id: string }) : undefined;
        },
        90_000,
        app,
      );
      const ended = await waitFor(
        'the job to end',
        async () => {
          const job = (await (await api('GET', `/v1/jobs/${created.id}`)).json()) as {
            status: string;
            error: { code: string } | null;
            completed_at: string;
            deadline_at: string;
          };
          return ['pending', 'processing'].includes(job.status) ? undefined : job;
        },
        60_000,
        app,
      );
      expect(ended).toMatchObject({ status: 'timeout', error: { code: 'QUEUE_TIMEOUT' } });
      const late = Date.parse(ended.completed_at) - Date.parse(ended.deadline_at);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(5_000);
      await waitFor('the webhook', async () => (hooks.some((h) => h.includes(created.id)) ? true : undefined), 15_000);
      expect(JSON.parse(hooks.find((h) => h.includes(created.id))!)).toMatchObject({
        event: 'job.timeout',
        job: { id: created.id, status: 'timeout' },
      });
    } finally {
      receiver.close();
    }
  }, 180_000); // a 30 s deadline, after PGlite opened on a busy machine

  // The shared NATS connection now waits for the server, so a worker must serve its probes meanwhile (it used to
  // exit with ConnectionError), and boot once NATS is there.
  it('starts a provider worker while NATS is down: live 200, ready 503, it boots once NATS is up', async () => {
    nats = await startNatsServer();
    await nats.stop();
    dir = await mkdtemp(join(tmpdir(), 'gw-outage-'));
    const closed = `http://127.0.0.1:${await freePort()}`; // the provider site: nothing, and on loopback
    const port = await freePort();
    app = spawnApp('midjourney', {
      ...process.env,
      NATS_URL: nats.url,
      MIDJOURNEY_PORT: String(port),
      MIDJOURNEY_APP_URL: closed,
      MIDJOURNEY_CDN_URL: closed,
      MIDJOURNEY_PROFILE_DIR: join(dir, 'profile'),
      MIDJOURNEY_ALLOW_PRIVATE_URLS: 'true',
      DATA_DIR: dir,
      STORAGE_DRIVER: 'local',
      STORAGE_DIR: join(dir, 'files'),
      LOG_LEVEL: 'warn',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor('worker live', async () => ((await fetch(`${url}/health/live`)).ok ? true : undefined), 60_000, app);
    const down = await readiness(url);
    expect(down.status).toBe(503);
    expect(down.body.error).toHaveProperty('nats');

    await nats.restart();
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      // Its boot went on once NATS was there: the work-queue consumer exists.
      const consumer = await waitFor(
        'the worker consumer',
        async () =>
          (await jsm.consumers.info(Streams.jobs, Consumers.worker('midjourney')).catch(() => undefined))?.name,
        60_000,
        app,
      );
      expect(consumer).toBe(Consumers.worker('midjourney'));
      const connected = await waitFor(
        'readiness to see NATS',
        async () =>
          (await readiness(url)).body.info && 'nats' in (await readiness(url)).body.info! ? true : undefined,
        30_000,
        app,
      );
      expect(connected).toBe(true);
    } finally {
      await nc.close();
    }
  });
});
