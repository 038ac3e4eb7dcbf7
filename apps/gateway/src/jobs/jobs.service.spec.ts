import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '@app/contracts';
import { strictMock } from '../../../../test/strict-mock.js';
import { NO_KEY_LIMITS, type ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { STATUS_OF } from '../errors/http-exception.filter.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { ProductDesignSync } from '../product-design/product-design.sync.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import type { QuotasService } from '../limits/quotas.service.js';
import { JobNotifier } from './job-notifier.js';
import type { JobsQueue } from './jobs.queue.js';
import type { JobsRepository, StoredJob } from './jobs.repository.js';
import { JobsConfig, JobsService, type CreateJob } from './jobs.service.js';

const JOB_ID = '6a1e0c9b-2f3d-4b5a-8c7e-9d0f1a2b3c4d';
const KEY: ApiKey = {
  id: '0b8f7c6d-5e4a-4b3c-9d2e-1f0a9b8c7d6e',
  name: 'test',
  prefix: 'gw_test',
  scopes: ['midjourney'],
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  limits: NO_KEY_LIMITS,
};

const stored = (over: Partial<StoredJob> = {}): StoredJob => ({
  id: JOB_ID,
  provider: 'midjourney',
  operation: 'imagine',
  status: 'completed',
  progress: 100,
  input: { prompt: 'a fox' },
  result: { images: [] },
  error: null,
  ideaId: '7b2f1d0c-3e4a-4c6b-9d8f-0a1b2c3d4e5f',
  apiKeyId: null,
  idempotencyKey: null,
  webhookUrl: 'https://hooks.example/job',
  deadlineAt: '2030-01-01T00:00:00.000Z',
  createdAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:01:00.000Z',
  startedAt: '2026-03-01T10:00:01.000Z',
  completedAt: '2026-03-01T10:01:00.000Z',
  requestHash: null,
  lastSeq: 7,
  ...over,
});

const event: JobEvent = {
  jobId: JOB_ID,
  provider: 'midjourney',
  seq: 7,
  status: 'completed',
  at: '2026-03-01T10:01:00Z',
};

const request: CreateJob = {
  provider: 'midjourney',
  operation: 'imagine',
  input: { prompt: 'a fox' },
  idempotencyKey: 'run-1',
  deadlineSeconds: 900,
};

/** Every collaborator strict: each test implements exactly what the path under test may call. */
function setup(
  impl: {
    jobs?: Partial<JobsRepository>;
    queue?: Partial<JobsQueue>;
    sync?: ProductDesignSync['sync'];
    webhooks?: Partial<WebhooksService>;
    metrics?: Partial<MetricsService>;
    quotas?: Partial<QuotasService>;
  } = {},
) {
  const jobs = strictMock<JobsRepository>('JobsRepository', impl.jobs);
  const queue = strictMock<JobsQueue>('JobsQueue', impl.queue);
  const productDesign = strictMock<ProductDesignSync>('ProductDesignSync', impl.sync ? { sync: impl.sync } : {});
  const webhooks = strictMock<WebhooksService>('WebhooksService', impl.webhooks);
  const metrics = strictMock<MetricsService>('MetricsService', impl.metrics);
  const quotas = strictMock<QuotasService>('QuotasService', {
    takeJob: () => Promise.resolve(() => Promise.resolve()),
    jobEnded: () => Promise.resolve(),
    ...impl.quotas,
  });
  const notifier = new JobNotifier();
  const sut = new JobsService(jobs, queue, notifier, productDesign, webhooks, metrics, new JobsConfig(), quotas);
  return { sut, jobs, queue, productDesign, webhooks, metrics, notifier, quotas };
}

const rejected = async (promise: Promise<unknown>): Promise<GatewayException> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayException);
  return error as GatewayException;
};

describe(JobsService.name, () => {
  describe('applyEvent', () => {
    const applied = (sync: () => Promise<void>) =>
      setup({
        jobs: { applyEvent: () => Promise.resolve(stored()) },
        sync,
        webhooks: { enqueue: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });

    it('a /mj/* task’s notifyHook gets IN_PROGRESS per progress change through the throttled gate', async () => {
      const hook = 'https://hooks.example/mj';
      const running = stored({
        status: 'processing',
        progress: 40,
        ideaId: null,
        webhookUrl: null,
        input: { prompt: 'a fox', mjproxy: { action: 'IMAGINE', state: 's', notifyHook: hook } },
      });
      const { sut, webhooks } = setup({
        jobs: { applyEvent: () => Promise.resolve(running) },
        webhooks: { enqueueProgress: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });
      await sut.applyEvent({ ...event, status: 'processing', progress: 40 });
      expect(webhooks.enqueueProgress).toHaveBeenCalledWith(
        JOB_ID,
        'notify',
        'mj.task.in_progress.40',
        hook,
        expect.objectContaining({ id: JOB_ID, status: 'IN_PROGRESS', progress: '40%', state: 's' }),
      );
    });

    it('a /mj/* task’s notifyHook gets a final status once (the delivery is unique per job and status)', async () => {
      const hook = 'https://hooks.example/mj';
      const done = stored({
        ideaId: null,
        webhookUrl: null,
        input: { prompt: 'a fox', mjproxy: { notifyHook: hook } },
      });
      const { sut, webhooks } = setup({
        jobs: { applyEvent: () => Promise.resolve(done) },
        webhooks: { enqueueEvent: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });
      await sut.applyEvent(event);
      expect(webhooks.enqueueEvent).toHaveBeenCalledWith(
        JOB_ID,
        'mj.task.success',
        hook,
        expect.objectContaining({ id: JOB_ID, status: 'SUCCESS', progress: '100%' }),
      );
    });

    it('writes the job, syncs product_design, then enqueues the webhook of a terminal job', async () => {
      const { sut, jobs, productDesign, webhooks } = applied(() => Promise.resolve());
      await sut.applyEvent(event);
      expect(jobs.applyEvent).toHaveBeenCalledWith(event);
      expect(productDesign.sync).toHaveBeenCalledTimes(1);
      expect(webhooks.enqueue).toHaveBeenCalledWith(expect.objectContaining({ id: JOB_ID }));
    });

    it('fails the event while a product_design sync fails, so it is redelivered, webhook not yet enqueued', async () => {
      const { sut, webhooks } = applied(() => Promise.reject(new Error('product_design is locked')));
      await expect(sut.applyEvent(event)).rejects.toThrow(/locked/);
      expect(webhooks.enqueue).not.toHaveBeenCalled();
    });

    it('gives up on the sync at the final attempt: logs it, keeps the job row, and sends the webhook', async () => {
      const { sut, webhooks } = setup({
        jobs: { applyEvent: () => Promise.resolve(null), findById: () => Promise.resolve(stored()) }, // a redelivery
        sync: () => Promise.reject(new Error('product_design is locked')),
        webhooks: { enqueue: () => Promise.resolve() },
      });
      await expect(sut.applyEvent(event, { finalAttempt: true })).resolves.toBeUndefined();
      expect(webhooks.enqueue).toHaveBeenCalledTimes(1);
    });

    it('redoes side effects only for the event that last changed the job', async () => {
      const { sut, productDesign } = setup({
        jobs: { applyEvent: () => Promise.resolve(null), findById: () => Promise.resolve(stored({ lastSeq: 9 })) },
        sync: () => Promise.resolve(),
      });
      await sut.applyEvent(event); // seq 7: stale
      expect(productDesign.sync).not.toHaveBeenCalled();
    });

    it('leaves a job the gateway ended alone: a late event with the same seq but another status runs nothing', async () => {
      // The sweeper timed the job out after event 7 (processing); a redelivered 7 must not announce it again.
      const { sut, productDesign } = setup({
        jobs: {
          applyEvent: () => Promise.resolve(null),
          findById: () => Promise.resolve(stored({ status: 'timeout', lastSeq: 7 })),
        },
        sync: () => Promise.resolve(),
      });
      await sut.applyEvent({ ...event, status: 'processing' });
      expect(productDesign.sync).not.toHaveBeenCalled();
    });
  });

  describe('create', () => {
    it('stores, counts and publishes a new job, then confirms the publish', async () => {
      const { sut, jobs, queue, metrics } = setup({
        jobs: {
          insert: (job) => Promise.resolve({ job, created: true }),
          confirmPublished: () => Promise.resolve(),
        },
        queue: { connected: () => true, publish: () => Promise.resolve() },
        metrics: { jobCreated: () => undefined },
      });
      const { job, created } = await sut.create(KEY, { ...request, ideaId: undefined });
      expect(created).toBe(true);
      expect(queue.publish).toHaveBeenCalledWith(expect.objectContaining({ jobId: job.id, provider: 'midjourney' }));
      expect(jobs.confirmPublished).toHaveBeenCalledWith(job.id);
      expect(metrics.jobCreated).toHaveBeenCalledTimes(1);
    });

    it('records a /mj/* task’s SUBMITTED notification before the job is published', async () => {
      const order: string[] = [];
      const hook = 'https://hooks.example/mj';
      const { sut, webhooks } = setup({
        jobs: {
          insert: (job) => Promise.resolve({ job, created: true }),
          confirmPublished: () => Promise.resolve(),
        },
        queue: { connected: () => true, publish: () => (order.push('publish'), Promise.resolve()) },
        metrics: { jobCreated: () => undefined },
        webhooks: { enqueueEvent: () => (order.push('submitted'), Promise.resolve()) },
      });
      const { job } = await sut.create(KEY, { ...request, input: { prompt: 'a fox', mjproxy: { notifyHook: hook } } });
      expect(webhooks.enqueueEvent).toHaveBeenCalledWith(
        job.id,
        'mj.task.submitted',
        hook,
        expect.objectContaining({ id: job.id, status: 'SUBMITTED' }),
      );
      expect(order).toEqual(['submitted', 'publish']);
    });

    it('answers a repeated Idempotency-Key with the stored job, publishing nothing', async () => {
      let first: StoredJob | undefined;
      const { sut, queue } = setup({
        jobs: {
          insert: (job) => {
            first ??= job;
            return Promise.resolve({ job: first, created: job === first });
          },
          confirmPublished: () => Promise.resolve(),
        },
        queue: { connected: () => true, publish: () => Promise.resolve() },
        metrics: { jobCreated: () => undefined },
      });
      const original = await sut.create(KEY, request);
      const replay = await sut.create(KEY, request);
      expect(replay).toEqual({ job: original.job, created: false });
      expect(queue.publish).toHaveBeenCalledTimes(1);
    });

    it('refuses the same Idempotency-Key with another request: 409 IDEMPOTENCY_CONFLICT', async () => {
      const { sut } = setup({
        jobs: { insert: () => Promise.resolve({ job: stored({ requestHash: 'another request' }), created: false }) },
      });
      const error = await rejected(sut.create(KEY, request));
      expect(error.code).toBe('IDEMPOTENCY_CONFLICT');
      expect(STATUS_OF[error.code]).toBe(409);
    });

    it('accepts the job when the publish fails: counted, left unconfirmed for the sweeper to publish again', async () => {
      const { sut, jobs, metrics } = setup({
        jobs: { insert: (job) => Promise.resolve({ job, created: true }) },
        queue: { connected: () => true, publish: () => Promise.reject(new Error('timeout')) },
        metrics: { jobCreated: () => undefined, publishFailed: () => undefined },
      });
      const { job, created } = await sut.create(KEY, request);
      expect(created).toBe(true);
      expect(job.status).toBe('pending');
      expect(metrics.publishFailed).toHaveBeenCalledTimes(1);
      expect(jobs.confirmPublished).not.toHaveBeenCalled();
    });

    it('does not wait on a NATS that is down: answers at once, publish left to the sweeper', async () => {
      const { sut, queue, metrics } = setup({
        jobs: { insert: (job) => Promise.resolve({ job, created: true }) },
        queue: { connected: () => false },
        metrics: { jobCreated: () => undefined, publishFailed: () => undefined },
      });
      expect((await sut.create(KEY, request)).created).toBe(true);
      expect(queue.publish).not.toHaveBeenCalled();
      expect(metrics.publishFailed).toHaveBeenCalledTimes(1);
    });

    it('refuses a provider outside the key scope before touching the database', async () => {
      const { sut, jobs } = setup();
      const error = await rejected(sut.create(KEY, { ...request, provider: 'ideogram' }));
      expect(error.code).toBe('FORBIDDEN_SCOPE');
      expect(jobs.insert).not.toHaveBeenCalled();
    });
  });

  describe('list', () => {
    it('pages with an opaque cursor that points after the last job of the page', async () => {
      const rows = [
        stored({ id: '00000000-0000-4000-8000-000000000003', createdAt: '2026-03-01T10:00:03.000Z' }),
        stored({ id: '00000000-0000-4000-8000-000000000002', createdAt: '2026-03-01T10:00:02.000Z' }),
        stored({ id: '00000000-0000-4000-8000-000000000001', createdAt: '2026-03-01T10:00:01.000Z' }),
      ];
      const { sut, jobs } = setup({
        jobs: {
          list: ({ before, limit }) =>
            Promise.resolve(rows.filter((r) => !before || r.createdAt < before.createdAt).slice(0, limit)),
        },
      });
      const first = await sut.list(KEY, { limit: 2 });
      expect(first.data.map((j) => j.id)).toEqual([rows[0].id, rows[1].id]);
      expect(first.next_cursor).toEqual(expect.any(String));
      expect(jobs.list).toHaveBeenLastCalledWith(expect.objectContaining({ providers: ['midjourney'], limit: 3 }));
      const second = await sut.list(KEY, { limit: 2, cursor: first.next_cursor! });
      expect(second).toEqual({ data: [rows[2]], next_cursor: null });
      expect(jobs.list).toHaveBeenLastCalledWith(
        expect.objectContaining({ before: { createdAt: rows[1].createdAt, id: rows[1].id } }),
      );
    });

    it.each([
      ['not base64 JSON', 'nonsense'],
      ['a bad date', Buffer.from(JSON.stringify(['yesterday', JOB_ID])).toString('base64url')],
      ['a bad id', Buffer.from(JSON.stringify(['2026-03-01T10:00:00.000Z', 'x'])).toString('base64url')],
      ['a date JS reads but Postgres refuses', Buffer.from(JSON.stringify(['1', JOB_ID])).toString('base64url')],
      [
        'a day that does not exist',
        Buffer.from(JSON.stringify(['2026-02-30T10:00:00.000Z', JOB_ID])).toString('base64url'),
      ],
      ['year zero', Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000Z', JOB_ID])).toString('base64url')],
      [
        'dashes for an id',
        Buffer.from(JSON.stringify(['2026-03-01T10:00:00.000Z', '-'.repeat(36)])).toString('base64url'),
      ],
      ['numbers', Buffer.from(JSON.stringify([1, 2])).toString('base64url')],
      ['null', Buffer.from('null').toString('base64url')],
    ])('refuses a cursor with %s: 400 INVALID_REQUEST, no query', async (_what, cursor) => {
      const { sut, jobs } = setup();
      const error = await rejected(sut.list(KEY, { limit: 10, cursor }));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(STATUS_OF[error.code]).toBe(400);
      expect(jobs.list).not.toHaveBeenCalled();
    });
  });

  describe('cancel', () => {
    it('ends an open job, marks it canceled for the workers and fires its side effects', async () => {
      const canceled = stored({ status: 'canceled', error: { code: 'CANCELED', message: 'Canceled by the client' } });
      const { sut, jobs, queue, webhooks, notifier } = setup({
        jobs: {
          findById: () => Promise.resolve(stored({ status: 'processing' })),
          finishOpen: () => Promise.resolve(canceled),
        },
        queue: { markCanceled: () => Promise.resolve() },
        sync: () => Promise.resolve(),
        webhooks: { enqueue: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });
      const announced: string[] = [];
      notifier.subscribe(JOB_ID, (job) => announced.push(job.status));
      expect(await sut.cancel(KEY, JOB_ID)).toBe(canceled);
      expect(jobs.finishOpen).toHaveBeenCalledWith(JOB_ID, 'canceled', expect.objectContaining({ code: 'CANCELED' }));
      expect(queue.markCanceled).toHaveBeenCalledWith('midjourney', JOB_ID);
      expect(webhooks.enqueue).toHaveBeenCalledWith(canceled);
      expect(announced).toEqual(['canceled']);
    });

    it('refuses a job that already ended: 409 JOB_FINISHED, nothing else happens', async () => {
      const { sut } = setup({
        jobs: { findById: () => Promise.resolve(stored()), finishOpen: () => Promise.resolve(null) },
      });
      const error = await rejected(sut.cancel(KEY, JOB_ID));
      expect(error.code).toBe('JOB_FINISHED');
      expect(STATUS_OF[error.code]).toBe(409);
    });

    it('answers 404 for a job the key may not see', async () => {
      const { sut } = setup({ jobs: { findById: () => Promise.resolve(stored({ provider: 'ideogram' })) } });
      expect((await rejected(sut.cancel(KEY, JOB_ID))).code).toBe('NOT_FOUND');
    });
  });

  describe('sweep', () => {
    const timedOut = stored({
      status: 'timeout',
      result: null,
      error: { code: 'QUEUE_TIMEOUT', message: 'No account had room before the deadline' },
    });

    it('ends overdue jobs in one statement and fires each one’s side effects', async () => {
      const { sut, jobs, queue, webhooks, productDesign, metrics } = setup({
        jobs: { expireOverdue: () => Promise.resolve([timedOut]), findUnpublished: () => Promise.resolve([]) },
        queue: { connected: () => true, markCanceled: () => Promise.resolve() },
        sync: () => Promise.resolve(),
        webhooks: { enqueue: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });
      await sut.sweep();
      expect(jobs.expireOverdue).toHaveBeenCalledTimes(1);
      expect(jobs.expireOverdue).toHaveBeenCalledWith(new JobsConfig().deadlineGraceMs);
      expect(metrics.jobChanged).toHaveBeenCalledWith(timedOut);
      expect(queue.markCanceled).toHaveBeenCalledWith('midjourney', JOB_ID);
      expect(productDesign.sync).toHaveBeenCalledWith(timedOut);
      expect(webhooks.enqueue).toHaveBeenCalledWith(timedOut);
    });

    it('still sends the webhook when product_design refuses: the row is final either way', async () => {
      const { sut, webhooks } = setup({
        jobs: { expireOverdue: () => Promise.resolve([timedOut]), findUnpublished: () => Promise.resolve([]) },
        queue: { connected: () => true, markCanceled: () => Promise.reject(new Error('kv down')) },
        sync: () => Promise.reject(new Error('product_design is locked')),
        webhooks: { enqueue: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });
      await sut.sweep();
      expect(webhooks.enqueue).toHaveBeenCalledWith(timedOut);
    });

    it('writes the cancel marker of a job that expired while NATS was down once NATS is back', async () => {
      let connected = false;
      let expired = [timedOut];
      const { sut, queue } = setup({
        jobs: {
          expireOverdue: () => Promise.resolve(expired),
          findUnpublished: () => Promise.resolve([]),
        },
        queue: { connected: () => connected, markCanceled: () => Promise.resolve() },
        sync: () => Promise.resolve(),
        webhooks: { enqueue: () => Promise.resolve() },
        metrics: { jobChanged: () => undefined },
      });
      await sut.sweep();
      expect(queue.markCanceled).not.toHaveBeenCalled();
      expired = [];
      connected = true;
      await sut.sweep();
      await sut.sweep();
      expect(queue.markCanceled).toHaveBeenCalledTimes(1);
      expect(queue.markCanceled).toHaveBeenCalledWith('midjourney', JOB_ID);
    });

    it('publishes unconfirmed jobs again while NATS is up, and leaves them while it is down', async () => {
      const unpublished = stored({ status: 'pending', result: null });
      let connected = false;
      const { sut, jobs, queue } = setup({
        jobs: {
          expireOverdue: () => Promise.resolve([]),
          findUnpublished: () => Promise.resolve([unpublished]),
          confirmPublished: () => Promise.resolve(),
        },
        queue: { connected: () => connected, publish: () => Promise.resolve() },
      });
      await sut.sweep();
      expect(queue.publish).not.toHaveBeenCalled();
      connected = true;
      await sut.sweep();
      expect(queue.publish).toHaveBeenCalledWith(expect.objectContaining({ jobId: JOB_ID }));
      expect(jobs.confirmPublished).toHaveBeenCalledWith(JOB_ID);
    });

    it('never runs twice at once: a tick during a slow run skips', async () => {
      let release: ((jobs: StoredJob[]) => void) | undefined;
      const { sut, jobs } = setup({
        jobs: {
          // The first run hangs until released; later runs answer at once.
          expireOverdue: () =>
            release ? Promise.resolve([]) : new Promise<StoredJob[]>((resolve) => (release = resolve)),
          findUnpublished: () => Promise.resolve([]),
        },
        queue: { connected: () => true },
      });
      const first = sut.sweep();
      await sut.sweep(); // returns at once
      expect(jobs.expireOverdue).toHaveBeenCalledTimes(1);
      release!([]);
      await first;
      await sut.sweep();
      expect(jobs.expireOverdue).toHaveBeenCalledTimes(2);
    });

    it('survives a database outage and keeps sweeping', async () => {
      let down = true;
      const { sut, jobs } = setup({
        jobs: {
          expireOverdue: () => (down ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve([])),
          findUnpublished: () => Promise.resolve([]),
        },
        queue: { connected: () => true },
      });
      await expect(sut.sweep()).resolves.toBeUndefined();
      down = false;
      await sut.sweep();
      expect(jobs.expireOverdue).toHaveBeenCalledTimes(2);
      expect(jobs.findUnpublished).toHaveBeenCalledTimes(1);
    });
  });

  describe('with other gateway replicas', () => {
    afterEach(() => vi.useRealTimers());

    it('answers reads from a change another replica announced, without reading the table', async () => {
      const { sut, jobs, notifier } = setup({
        jobs: { findById: () => Promise.resolve(stored({ status: 'processing' })) },
      });
      notifier.receive(stored({ status: 'completed', updatedAt: '2026-03-01T10:02:00.000Z' }));
      expect((await sut.get(KEY, JOB_ID)).status).toBe('completed');
      expect(jobs.findById).not.toHaveBeenCalled();
    });

    it('ignores an announcement older than what it holds', async () => {
      const { sut, notifier } = setup();
      notifier.receive(stored({ status: 'completed', updatedAt: '2026-03-01T10:02:00.000Z' }));
      notifier.receive(stored({ status: 'processing', progress: 50, updatedAt: '2026-03-01T10:01:30.000Z' }));
      expect((await sut.get(KEY, JOB_ID)).status).toBe('completed');
    });

    it('reads an open job from the table again once its cached copy may be stale (an announcement lost)', async () => {
      vi.useFakeTimers();
      const { sut, jobs, notifier } = setup({
        jobs: { findById: () => Promise.resolve(stored({ status: 'completed' })) },
      });
      notifier.receive(stored({ status: 'processing', progress: 40 }));
      expect((await sut.get(KEY, JOB_ID)).status).toBe('processing');
      expect(jobs.findById).not.toHaveBeenCalled();
      vi.advanceTimersByTime(2500);
      expect((await sut.get(KEY, JOB_ID)).status).toBe('completed');
      expect(jobs.findById).toHaveBeenCalledTimes(1);
    });
  });
});
