import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '@app/contracts';
import { createTestDatabase, type TestDatabase } from '../../../../test/integration/postgres.js';
import { ApiKeysRepository } from '../auth/api-keys.repository.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { migrate } from '../persistence/migrations.js';
import { openDatabase } from '../persistence/open-database.js';
import type { SqlClient } from '../persistence/sql-client.js';
import { strictMock } from '../../../../test/strict-mock.js';
import { WebhookConfig, WebhooksService } from '../webhooks/webhooks.service.js';
import type { WebhookSender } from '../webhooks/webhook-sender.js';
import { JobsRepository, type StoredJob } from './jobs.repository.js';

// One repository, two engines: every case runs on real PostgreSQL and on embedded PGlite.
describe.each(['postgres', 'pglite'] as const)('JobsRepository on %s', (engine) => {
  let sql: SqlClient;
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  let jobs: JobsRepository;
  const keyId = randomUUID();

  beforeAll(async () => {
    if (engine === 'postgres') {
      db = await createTestDatabase('gw_repo');
      sql = await openDatabase({ DATABASE_URL: db.url, DATA_DIR: '' });
    } else {
      dir = await mkdtemp(join(tmpdir(), 'gw-repo-'));
      sql = await openDatabase({ DATABASE_URL: undefined, DATA_DIR: dir });
    }
    jobs = new JobsRepository(sql);
  });

  afterAll(async () => {
    await sql?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let clock = Date.parse('2026-11-23T00:00:00Z');
  const candidate = (over: Partial<StoredJob> = {}): StoredJob => {
    const at = new Date((clock += 1000)).toISOString();
    return {
      id: randomUUID(),
      provider: 'midjourney',
      operation: 'imagine',
      status: 'pending',
      progress: 0,
      input: { prompt: 'a fox', options: { ar: '1:1' } },
      result: null,
      error: null,
      ideaId: null,
      apiKeyId: keyId,
      idempotencyKey: null,
      webhookUrl: null,
      deadlineAt: new Date(clock + 900_000).toISOString(),
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      completedAt: null,
      requestHash: null,
      lastSeq: 0,
      ...over,
    };
  };
  const event = (jobId: string, seq: number, over: Partial<JobEvent> = {}): JobEvent => ({
    jobId,
    provider: 'midjourney',
    seq,
    status: 'processing',
    progress: 0,
    at: new Date().toISOString(),
    ...over,
  });

  it('is migrated once, idempotently', async () => {
    expect(await migrate(sql)).toBe(0);
  });

  it('records at most one progress delivery per job and hook in 2 s (the gate in the job row)', async () => {
    // The delivery loop the service starts finds these due and posts them: the receiver answers 204.
    const sender = strictMock<WebhookSender>('WebhookSender', { post: () => Promise.resolve(204) });
    const webhooks = new WebhooksService(sql, new WebhookConfig(), sender);
    const job = (await jobs.insert(candidate({ webhookUrl: 'https://hooks.example/p' }))).job;
    const deliveries = async () =>
      (
        await sql.query<{ event: string }>('SELECT event FROM webhook_deliveries WHERE job_id = $1 ORDER BY id', [
          job.id,
        ])
      ).map((r) => r.event);
    const progress = (hook: 'webhook' | 'notify', n: number) =>
      webhooks.enqueueProgress(job.id, hook, `${hook}.progress.${n}`, 'https://hooks.example/p', { n });
    await Promise.all([progress('webhook', 10), progress('webhook', 20), progress('webhook', 30)]);
    await progress('notify', 10); // the /mj/* hook has its own gate
    expect(await deliveries()).toHaveLength(2);
    expect((await deliveries()).filter((e) => e.startsWith('webhook.'))).toHaveLength(1);
    await sql.query(`UPDATE jobs SET webhook_progress_at = now() - interval '3 seconds' WHERE id = $1`, [job.id]);
    await progress('webhook', 40);
    await progress('webhook', 50);
    expect((await deliveries()).filter((e) => e.startsWith('webhook.'))).toHaveLength(2);
    expect(await deliveries()).toContain('webhook.progress.40');
  });

  it('places a pending job behind the earlier pending jobs that compete for its workers', async () => {
    const pinned = (account: string) => ({ input: { action: 'reroll', account } });
    const a = (await jobs.insert(candidate())).job;
    await jobs.insert(candidate(pinned('acct-x')));
    const b = (await jobs.insert(candidate())).job;
    await jobs.insert(candidate(pinned('acct-y')));
    const c = (await jobs.insert(candidate(pinned('acct-x')))).job;
    const base = await jobs.queuePosition(a);
    expect(base).toBeGreaterThanOrEqual(1);
    // A shared job waits behind shared jobs only; a pinned one behind shared jobs and its own account's.
    expect(await jobs.queuePosition(b)).toBe(base + 1);
    expect(await jobs.queuePosition(c)).toBe(base + 3);
  });

  it('inserts and reads a job back unchanged', async () => {
    const job = candidate({ ideaId: randomUUID(), webhookUrl: 'https://hooks.example/x' });
    const { job: stored, created } = await jobs.insert(job);
    expect(created).toBe(true);
    expect(await jobs.findById(job.id)).toEqual(stored);
    expect(stored).toMatchObject({
      id: job.id,
      input: job.input,
      ideaId: job.ideaId,
      webhookUrl: job.webhookUrl,
      createdAt: job.createdAt,
      status: 'pending',
    });
    expect(await jobs.findById(randomUUID())).toBeNull();
    // The webhook event filter round-trips; absent stays null (completed only).
    expect(stored.webhookEvents).toBeNull();
    const filtered = candidate({ webhookUrl: 'https://hooks.example/x', webhookEvents: ['start', 'progress'] });
    await jobs.insert(filtered);
    expect((await jobs.findById(filtered.id))?.webhookEvents).toEqual(['start', 'progress']);
  });

  it('inserts concurrent creates in one statement, and answers each', async () => {
    const many = Array.from({ length: 25 }, () => candidate());
    const results = await Promise.all(many.map((j) => jobs.insert(j)));
    expect(results.every((r) => r.created)).toBe(true);
    expect(results.map((r) => r.job.id)).toEqual(many.map((j) => j.id));
    for (const j of many.slice(0, 3)) expect((await jobs.findById(j.id))?.input).toEqual(j.input);
  });

  it('refuses a row Postgres cannot store before it joins a batch; its batch-mates are stored', async () => {
    const good = [candidate(), candidate()];
    const results = await Promise.allSettled([
      jobs.insert(good[0]),
      jobs.insert(candidate({ input: { prompt: 'fox\u0000' } })),
      jobs.insert(candidate({ input: { prompt: 'fox\ud800' } })),
      jobs.insert(candidate({ idempotencyKey: 'k\u0000' })),
      jobs.insert(good[1]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(GatewayException);
      expect(r.reason).toMatchObject({ code: 'INVALID_REQUEST' });
    }
    for (const j of good) expect((await jobs.findById(j.id))?.id).toBe(j.id);
  });

  it('fails only the row the database refuses within a batch, as a 4xx', async () => {
    // A row id that is no uuid is fine (the original routes take any); a key id that is none is not.
    const good = Array.from({ length: 6 }, (_, i) => candidate(i === 5 ? { ideaId: 'row_7' } : {}));
    const bad = [
      candidate({ deadlineAt: 'not a time' }), // 22007
      candidate({ apiKeyId: 'not-a-uuid' }), // 22P02
      candidate({ idempotencyKey: randomBytes(4000).toString('base64') }), // 54000: too long for the unique index
    ];
    const order = [good[0], bad[0], good[1], good[2], bad[1], good[3], good[4], bad[2], good[5]];
    const results = await Promise.allSettled(order.map((j) => jobs.insert(j)));
    const byId = new Map(results.map((r, i) => [order[i].id, r]));
    for (const j of good) expect(byId.get(j.id)).toMatchObject({ status: 'fulfilled', value: { created: true } });
    for (const j of bad) {
      const result = byId.get(j.id);
      expect(result?.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as GatewayException;
      expect(reason).toBeInstanceOf(GatewayException);
      expect(reason.code).toBe('INVALID_REQUEST');
      expect(await jobs.findById(j.id)).toBeNull();
    }
    for (const j of good) expect((await jobs.findById(j.id))?.input).toEqual(j.input);
  });

  it('finds no job for an id that is not a uuid, without asking the database', async () => {
    for (const id of ['abc', '', '-'.repeat(36), `${randomUUID()}x`, "'; DROP TABLE jobs; --"]) {
      expect(await jobs.findById(id)).toBeNull();
    }
  });

  it('returns the first job for a reused idempotency key, also within one batch', async () => {
    const first = candidate({ idempotencyKey: 'order-1', requestHash: 'h1' });
    const [a, b] = await Promise.all([
      jobs.insert(first),
      jobs.insert(candidate({ idempotencyKey: 'order-1', requestHash: 'h2' })),
    ]);
    expect(a).toMatchObject({ created: true, job: { id: first.id } });
    expect(b.created).toBe(false);
    expect(b.job).toMatchObject({ id: first.id, requestHash: 'h1' });
    const other = await jobs.insert(candidate({ idempotencyKey: 'order-1', apiKeyId: randomUUID() }));
    expect(other.created).toBe(true); // keys are per API key
  });

  it('dates a job’s end by the worker’s event, not by when the gateway got to apply it', async () => {
    const late = candidate();
    await jobs.insert(late);
    const endedAt = new Date(Date.now() - 25_000); // the gateway was down for 25 s when the job ended
    const ended = await jobs.applyEvent(event(late.id, 1, { status: 'completed', at: endedAt.toISOString() }));
    const created = Date.parse(String(ended?.createdAt));
    expect(Date.parse(String(ended?.completedAt))).toBe(Math.max(created, endedAt.getTime()));

    const skewed = candidate();
    await jobs.insert(skewed);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const capped = await jobs.applyEvent(event(skewed.id, 1, { status: 'failed', at: future }));
    expect(Date.parse(String(capped?.completedAt))).toBeLessThanOrEqual(Date.now());
  });

  it('applies events in order, ignores stale and duplicate ones, and keeps final states final', async () => {
    const job = candidate();
    await jobs.insert(job);
    const p1 = await jobs.applyEvent(event(job.id, 1, { progress: 10 }));
    expect(p1).toMatchObject({ status: 'processing', progress: 10, lastSeq: 1 });
    expect(p1?.startedAt).not.toBeNull();
    expect(await jobs.applyEvent(event(job.id, 1, { progress: 50 }))).toBeNull(); // duplicate
    expect(await jobs.applyEvent(event(job.id, 3, { progress: 60 }))).toMatchObject({ progress: 60, lastSeq: 3 });
    expect(await jobs.applyEvent(event(job.id, 2, { progress: 30 }))).toBeNull(); // late
    const images = [{ index: 0, url: 'u', bucket: 'b', path: 'p', contentType: 'image/png', size: 1 }];
    const done = await jobs.applyEvent(event(job.id, 4, { status: 'completed', progress: 100, result: { images } }));
    expect(done).toMatchObject({ status: 'completed', progress: 100, result: { images } });
    expect(done?.completedAt).not.toBeNull();
    expect(
      await jobs.applyEvent(event(job.id, 5, { status: 'failed', error: { code: 'PROVIDER_ERROR', message: 'late' } })),
    ).toBeNull();
    expect((await jobs.findById(job.id))?.status).toBe('completed');
  });

  it('finishes open jobs only', async () => {
    const job = candidate();
    await jobs.insert(job);
    const canceled = await jobs.finishOpen(job.id, 'canceled', { code: 'CANCELED', message: 'by client' });
    expect(canceled).toMatchObject({ status: 'canceled', error: { code: 'CANCELED' } });
    expect(await jobs.finishOpen(job.id, 'timeout', { code: 'PROVIDER_TIMEOUT', message: 'x' })).toBeNull();
  });

  it('lists newest first with filters and keyset pages', async () => {
    const provider = 'ideogram' as const;
    const mine = [candidate({ provider }), candidate({ provider }), candidate({ provider })];
    for (const j of mine) await jobs.insert(j);
    await jobs.finishOpen(mine[0].id, 'canceled', { code: 'CANCELED', message: 'x' });

    const all = await jobs.list({ providers: null, provider, limit: 10 });
    expect(all.map((j) => j.id)).toEqual([mine[2].id, mine[1].id, mine[0].id]);
    const page1 = await jobs.list({ providers: null, provider, limit: 2 });
    const last = page1.at(-1)!;
    const page2 = await jobs.list({
      providers: null,
      provider,
      limit: 2,
      before: { createdAt: last.createdAt, id: last.id },
    });
    expect([...page1, ...page2].map((j) => j.id)).toEqual(all.map((j) => j.id));
    expect((await jobs.list({ providers: null, provider, status: 'canceled', limit: 10 })).map((j) => j.id)).toEqual([
      mine[0].id,
    ]);
    expect(await jobs.list({ providers: ['chatgpt'], provider, limit: 10 })).toEqual([]);
  });

  it('expires overdue open jobs in one statement, by what they were waiting for, and creates whose publish was never confirmed', async () => {
    const past = new Date(Date.now() - 120_000).toISOString();
    const queued = candidate({ deadlineAt: past });
    const running = candidate({ deadlineAt: past });
    const done = candidate({ deadlineAt: past });
    const fresh = candidate({
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      deadlineAt: new Date(Date.now() + 600_000).toISOString(),
    });
    for (const job of [queued, running, done, fresh]) await jobs.insert(job);
    await jobs.applyEvent({ jobId: running.id, provider: 'midjourney', seq: 1, status: 'processing', at: past });
    await jobs.applyEvent({ jobId: done.id, provider: 'midjourney', seq: 1, status: 'completed', at: past });

    const expired = await jobs.expireOverdue(2000, 1000);
    const byId = new Map(expired.map((j) => [j.id, j]));
    expect(byId.get(queued.id)).toMatchObject({ status: 'timeout', error: { code: 'QUEUE_TIMEOUT' } });
    expect(byId.get(running.id)).toMatchObject({ status: 'timeout', error: { code: 'PROVIDER_TIMEOUT' } });
    expect(byId.get(queued.id)?.completedAt).not.toBeNull();
    expect(byId.has(done.id)).toBe(false); // terminal: never touched
    expect(byId.has(fresh.id)).toBe(false);
    expect((await jobs.findById(done.id))?.status).toBe('completed');
    expect((await jobs.expireOverdue(2000, 1000)).map((j) => j.id)).not.toContain(queued.id); // once only
    // Within the grace period a job is the worker's to end.
    expect((await jobs.expireOverdue(600_000 + 60_000, 1000)).map((j) => j.id)).not.toContain(fresh.id);

    expect((await jobs.findUnpublished(10, 1000)).map((j) => j.id)).toContain(fresh.id);
    await jobs.confirmPublished(fresh.id);
    expect((await jobs.findUnpublished(10, 1000)).map((j) => j.id)).not.toContain(fresh.id);
  });

  it('stores API keys by hash, lists and revokes them', async () => {
    const keys = new ApiKeysRepository(sql);
    const id = randomUUID();
    const key = await keys.insert({
      id,
      name: 'n8n',
      prefix: 'gw_abc',
      hash: `hash-${id}`,
      scopes: ['midjourney', 'ideogram'],
      expiresAt: '2027-01-01T00:00:00.000Z',
      limits: { requestsPerMinute: 60, jobsPerDay: null, concurrentJobs: 3, concurrentStreams: null },
    });
    expect(key).toMatchObject({
      limits: { requestsPerMinute: 60, jobsPerDay: null, concurrentJobs: 3, concurrentStreams: null },
      id,
      scopes: ['midjourney', 'ideogram'],
      expiresAt: '2027-01-01T00:00:00.000Z',
      revokedAt: null,
    });
    expect(await keys.findByHash(`hash-${id}`)).toEqual(key);
    const revoked = await keys.revoke(id);
    expect(revoked?.revokedAt).not.toBeNull();
    expect((await keys.revoke(id))?.revokedAt).toBe(revoked?.revokedAt); // revoking twice keeps the first time
    expect(await keys.revoke(randomUUID())).toBeNull();
    expect((await keys.list()).map((k) => k.id)).toContain(id);
    const restored = await keys.restore(id, ['*']);
    expect(restored).toMatchObject({ id, scopes: ['*'], revokedAt: null, expiresAt: null });
    expect(await keys.findByHash(`hash-${id}`)).toEqual(restored);
    expect(await keys.restore(randomUUID(), ['*'])).toBeNull();
  });
});
