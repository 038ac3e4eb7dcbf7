import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { isTerminal, isUuid, type Job, type JobEvent, type JobMessage, type ProviderName } from '@app/contracts';
import { keyAllows, type ApiKey } from '../auth/api-key.js';
import { toTask } from '../mjproxy/task.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { ProductDesignSync } from '../product-design/product-design.sync.js';
import { QuotasService } from '../limits/quotas.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { isDatabaseUnavailable } from '../persistence/database.js';
import { OutageLog } from '../persistence/outage-log.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { JobNotifier } from './job-notifier.js';
import { JobsQueue } from './jobs.queue.js';
import { JobsRepository, type StoredJob } from './jobs.repository.js';

export interface CreateJob {
  provider: ProviderName;
  operation: string;
  input: Record<string, unknown>;
  ideaId?: string;
  webhookUrl?: string;
  /** The webhook's event filter (`webhook_events`); absent: completed only. */
  webhookEvents?: string[];
  idempotencyKey?: string;
  deadlineSeconds: number;
}

const CACHE_LIMIT = 20_000;
/**
 * How long a cached open job is trusted. Other gateway replicas announce their changes (JobNotifier), so the cache
 * is normally current; this bounds how stale a read can be when an announcement was lost (NATS down). Final jobs
 * never change and stay cached.
 */
const OPEN_JOB_TTL_MS = 2000;
const QUEUE_POSITION_TTL_MS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A cursor's time is an ISO instant as `toISOString()` writes it, within years Postgres and JS agree on. */
const isCursorTime = (value: unknown): value is string =>
  typeof value === 'string' &&
  /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
  !Number.isNaN(Date.parse(value)) &&
  new Date(value).toISOString() === value;
/** A create still unconfirmed after this long had its publish fail or the gateway stop in between. */
const UNPUBLISHED_AFTER_S = 10;

const jobMessage = (job: StoredJob): JobMessage => ({
  jobId: job.id,
  provider: job.provider,
  operation: job.operation,
  input: job.input,
  deadlineAt: job.deadlineAt,
  createdAt: job.createdAt,
  ...(job.ideaId ? { ideaId: job.ideaId } : {}),
  // A follow-up carries the account that made its parent: the job is pinned to that account's worker.
  ...(typeof job.input.account === 'string' && job.input.account ? { account: job.input.account } : {}),
});

export class JobsConfig {
  /** GATEWAY_SWEEP_INTERVAL_MS: how often overdue jobs are ended and unconfirmed publishes retried. */
  sweepIntervalMs = 1000;
  /**
   * GATEWAY_DEADLINE_GRACE_MS: how long past its deadline a job is left to its worker (which ends it with its own
   * details) before the gateway ends it. Grace plus one interval stays under the 5 s every job is promised.
   */
  deadlineGraceMs = 2000;
}

/**
 * Jobs: create (idempotent), read (write-through cache, kept current across replicas by their announcements), cancel,
 * apply worker events, and the sweepers that make every job end before its deadline.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  /** Jobs whose idea id the product_design sync cannot address (warned once each). */
  private readonly unaddressable = new Set<string>();
  private readonly cache = new Map<string, { job: StoredJob; at: number }>();
  private readonly positions = new Map<string, { position: number; at: number }>();
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  /** Overdue jobs whose cancel marker is not written yet (NATS was down). */
  private readonly unmarked = new Map<string, ProviderName>();
  private readonly sweepOutage = new OutageLog(this.logger, 'the deadline sweep');

  constructor(
    private readonly jobs: JobsRepository,
    private readonly queue: JobsQueue,
    private readonly notifier: JobNotifier,
    private readonly productDesign: ProductDesignSync,
    private readonly webhooks: WebhooksService,
    private readonly metrics: MetricsService,
    private readonly config: JobsConfig,
    private readonly quotas: QuotasService,
  ) {
    // A change another replica made (it applied the event or ended the job): keep this replica's reads current.
    notifier.onRemote((job) => {
      const cached = this.cache.get(job.id)?.job;
      if (!cached || Date.parse(job.updatedAt) >= Date.parse(cached.updatedAt)) this.remember(job as StoredJob);
    });
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  private remember(job: StoredJob): StoredJob {
    this.cache.delete(job.id); // re-inserted last: the oldest entry is the first to go
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(job.id, { job, at: Date.now() });
    return job;
  }

  /** Reads a job from the table and keeps it: hot reads of one job cost one query per OPEN_JOB_TTL_MS at most. */
  private async load(id: string): Promise<StoredJob | null> {
    const job = await this.jobs.findById(id);
    if (!job) return null;
    // A change applied while the query ran is newer than what it read.
    const current = this.cache.get(id)?.job;
    return current && current.updatedAt > job.updatedAt ? current : this.remember(job);
  }

  private cached(id: string): StoredJob | undefined {
    const entry = this.cache.get(id);
    if (!entry) return undefined;
    if (isTerminal(entry.job.status) || Date.now() - entry.at < OPEN_JOB_TTL_MS) return entry.job;
    this.cache.delete(id);
    return undefined;
  }

  async create(key: ApiKey, request: CreateJob): Promise<{ job: Job; created: boolean }> {
    if (!keyAllows(key, request.provider)) {
      throw new GatewayException('FORBIDDEN_SCOPE', `This API key lacks the '${request.provider}' scope`);
    }
    if (request.webhookUrl) await this.webhooks.assertAllowed(request.webhookUrl);
    const now = new Date();
    const requestHash = request.idempotencyKey
      ? createHash('sha256')
          .update(
            JSON.stringify([
              request.provider,
              request.operation,
              request.input,
              request.ideaId ?? null,
              request.webhookUrl ?? null,
              // Only when given, so the hashes of requests without a filter stay what they were.
              ...(request.webhookEvents ? [request.webhookEvents] : []),
            ]),
          )
          .digest('hex')
      : null;
    const candidate: StoredJob = {
      id: randomUUID(),
      provider: request.provider,
      operation: request.operation,
      status: 'pending',
      progress: 0,
      input: request.input,
      result: null,
      error: null,
      ideaId: request.ideaId ?? null,
      apiKeyId: key.id,
      idempotencyKey: request.idempotencyKey ?? null,
      webhookUrl: request.webhookUrl ?? null,
      webhookEvents: request.webhookEvents ?? null,
      deadlineAt: new Date(now.getTime() + request.deadlineSeconds * 1000).toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      startedAt: null,
      completedAt: null,
      requestHash,
      lastSeq: 0,
    };
    // The key's daily and open-jobs quotas; given back when no job comes of it.
    const undoQuota = await this.quotas.takeJob(key, request.provider, now);
    let inserted: { job: StoredJob; created: boolean };
    try {
      inserted = await this.jobs.insert(candidate);
    } catch (error) {
      await undoQuota().catch(() => undefined);
      throw error;
    }
    const { job, created } = inserted;
    if (!created) {
      await undoQuota().catch(() => undefined);
      if (job.requestHash !== requestHash) {
        throw new GatewayException('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used with a different request');
      }
      return { job, created: false };
    }
    this.remember(job);
    this.notifier.publish(job);
    this.metrics.jobCreated(job);
    // SUBMITTED is recorded before the job reaches a worker, so it is never behind IN_PROGRESS. The job exists
    // whatever happens here: a failure is logged, not answered as a failed submission.
    await this.notifyTask(job).catch((error: unknown) =>
      this.logger.warn(`recording the SUBMITTED notification of ${job.id} failed: ${String(error)}`),
    );
    // The row shows the job at once (as the original did); a sync hiccup must not refuse the job.
    if (job.ideaId) await this.syncProductDesign(job).catch(() => undefined);
    await this.publish(job);
    return { job, created: true };
  }

  /**
   * A failed publish never loses the job: its row stays unpublished and the sweeper publishes it again (JetStream
   * drops a repeat inside its duplicate window, as the message id is the job id).
   */
  private async publish(job: StoredJob): Promise<void> {
    if (!this.queue.connected()) {
      this.metrics.publishFailed();
      return; // answer at once; the sweeper publishes when NATS is back
    }
    try {
      await this.queue.publish(jobMessage(job));
      this.jobs
        .confirmPublished(job.id)
        .catch((error: unknown) => this.logger.warn(`confirming the publish of ${job.id} failed: ${String(error)}`));
    } catch (error) {
      this.metrics.publishFailed();
      this.logger.warn(`publishing job ${job.id} failed, will retry: ${String(error)}`);
    }
  }

  async get(key: ApiKey, id: string): Promise<Job> {
    const job = this.cached(id) ?? (await this.load(id));
    if (!job || !keyAllows(key, job.provider)) throw new GatewayException('NOT_FOUND', `No job ${id}`);
    return job;
  }

  /**
   * Where a pending job waits: its place among the pending jobs that compete for the same workers, and for
   * Midjourney the mode it will be sent with (the account's own mode comes from the pool's registry: the controller).
   */
  async queueOf(job: Job): Promise<{ position: number; mode?: string } | undefined> {
    if (job.status !== 'pending') return undefined;
    // Counted at most once a second per job: a client polling a queued job must not cost a count per request.
    let known = this.positions.get(job.id);
    if (!known || Date.now() - known.at > QUEUE_POSITION_TTL_MS) {
      known = { position: await this.jobs.queuePosition(job), at: Date.now() };
      if (this.positions.size >= CACHE_LIMIT) this.positions.clear();
      this.positions.set(job.id, known);
    }
    const position = known.position;
    const input = job.input as { mode?: unknown; options?: { mode?: unknown } };
    const mode = job.provider === 'midjourney' ? (input.options?.mode ?? input.mode) : undefined;
    return {
      position,
      ...(typeof mode === 'string' ? { mode: mode === 'relaxed' ? 'relax' : mode } : {}),
    };
  }

  /** Reads a job without a key check (SSE after the key was checked, product_design, compat). */
  async find(id: string): Promise<Job | null> {
    return this.cached(id) ?? (await this.load(id));
  }

  async list(
    key: ApiKey,
    query: { provider?: string; status?: string; account?: string; q?: string; limit: number; cursor?: string },
  ): Promise<{ data: Job[]; next_cursor: string | null }> {
    const providers = key.scopes.includes('*') ? null : key.scopes;
    let before: { createdAt: string; id: string } | undefined;
    if (query.cursor) {
      try {
        const [createdAt, id] = JSON.parse(Buffer.from(query.cursor, 'base64url').toString()) as [unknown, unknown];
        // Only what this gateway hands out: anything else would reach SQL as a timestamp or uuid it may refuse.
        if (!isCursorTime(createdAt) || typeof id !== 'string' || !UUID.test(id)) throw new Error('bad cursor');
        before = { createdAt, id };
      } catch {
        throw new GatewayException('INVALID_REQUEST', 'cursor is not valid');
      }
    }
    const rows = await this.jobs.list({
      providers,
      provider: query.provider,
      status: query.status,
      account: query.account,
      text: query.q,
      limit: query.limit + 1,
      before,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page,
      next_cursor:
        rows.length > query.limit && last
          ? Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url')
          : null,
    };
  }

  async cancel(key: ApiKey, id: string): Promise<Job> {
    const existing = await this.get(key, id);
    const job = await this.jobs.finishOpen(id, 'canceled', { code: 'CANCELED', message: 'Canceled by the client' });
    if (!job) throw new GatewayException('JOB_FINISHED', `Job ${id} is already ${existing.status}`);
    await this.quotas.jobEnded(job);
    this.metrics.jobChanged(job);
    await this.queue
      .markCanceled(job.provider, job.id)
      .catch((error: unknown) => this.logger.warn(`cancel marker for ${id}: ${String(error)}`));
    await this.afterChange(job);
    return job;
  }

  /**
   * Applies a worker event; side effects run again on redelivery of the event that last changed the job. On the
   * `finalAttempt` a failing product_design sync is logged instead of thrown: the job row is the truth, and the
   * event (and the webhook behind it) must not wait forever on a client table.
   */
  async applyEvent(event: JobEvent, options: { finalAttempt?: boolean } = {}): Promise<void> {
    const job = await this.jobs.applyEvent(event);
    if (job) {
      // Only the update that changed the row returns it, and nothing changes a final job: this runs once per job.
      if (isTerminal(job.status)) await this.quotas.jobEnded(job);
      this.metrics.jobChanged(job);
      return this.afterChange(job, options.finalAttempt);
    }
    // Not applied: a stale event, or a job already final (nothing changes a final job). Only a redelivery of the
    // event that made the row what it is (crash between the update and its side effects) runs them again.
    const current = await this.jobs.findById(event.jobId);
    if (current && current.lastSeq === event.seq && current.status === event.status) {
      await this.afterChange(current, options.finalAttempt);
    }
  }

  private async afterChange(job: StoredJob, finalAttempt = false): Promise<void> {
    this.remember(job);
    this.notifier.publish(job);
    if (job.ideaId) {
      try {
        await this.syncProductDesign(job);
      } catch (error) {
        if (!finalAttempt) throw error;
        this.logger.error(
          `product_design sync for ${job.ideaId} (job ${job.id}, ${job.status}) keeps failing; giving up on this event: ${String(error)}`,
        );
      }
    }
    if (job.webhookUrl) await this.webhooks.enqueue(job);
    await this.notifyTask(job);
  }

  /**
   * A /mj/* task's notifyHook gets the Task JSON on every status change: one durable delivery per status, and while
   * IN_PROGRESS one per progress change, throttled like webhook progress.
   */
  private async notifyTask(job: Job): Promise<void> {
    const hook = (job.input.mjproxy as { notifyHook?: unknown } | undefined)?.notifyHook;
    if (typeof hook !== 'string' || !hook) return;
    const task = toTask(job);
    const event = `mj.task.${task.status.toLowerCase()}`;
    if (job.status === 'processing') {
      await this.webhooks.enqueueProgress(job.id, 'notify', `${event}.${job.progress}`, hook, task);
    } else {
      await this.webhooks.enqueueEvent(job.id, event, hook, task);
    }
  }

  private async syncProductDesign(job: Job): Promise<void> {
    if (job.ideaId && !isUuid(job.ideaId)) {
      // The original routes take any row id; product_design rows are addressed by uuid.
      if (!this.unaddressable.has(job.id)) {
        if (this.unaddressable.size > 1000) this.unaddressable.clear();
        this.unaddressable.add(job.id);
        this.logger.warn(`product_design sync skipped for job ${job.id}: idea id ${job.ideaId} is not a uuid`);
      }
      return;
    }
    try {
      await this.productDesign.sync(job);
    } catch (error) {
      this.logger.warn(`product_design sync for ${job.ideaId} failed: ${String(error)}`);
      throw error;
    }
  }

  /**
   * Deadline backstop (workers end their own jobs first) and republishing of jobs whose publish failed. One run at a
   * time: a tick that finds the last run still going skips.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.expireOverdue();
      if (this.queue.connected()) await this.republish();
      this.sweepOutage.succeeded();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) this.sweepOutage.failed(error); // the Database logs its own outage
    } finally {
      this.sweeping = false;
    }
  }

  private async expireOverdue(): Promise<void> {
    const expired = await this.jobs.expireOverdue(this.config.deadlineGraceMs);
    for (const job of expired) this.unmarked.set(job.id, job.provider);
    this.markCanceled();
    await Promise.all(
      expired.map(async (job) => {
        await this.quotas.jobEnded(job);
        this.metrics.jobChanged(job);
        // The row is final whatever follows: a failing side effect is logged, never retried into the row.
        await this.afterChange(job, true).catch((error: unknown) => {
          this.logger.warn(`side effects of overdue job ${job.id}: ${String(error)}`);
        });
      }),
    );
  }

  /**
   * Tells the workers that overdue jobs are over (a worker still holding one must not submit it). Not awaited: a
   * KV write stalled by a NATS outage must not hold up the next sweep; markers that could not be written are
   * tried again on later sweeps (kept in memory, bounded: the worker's own deadline check is the final guard).
   */
  private markCanceled(): void {
    if (!this.queue.connected()) return;
    for (const [id, provider] of this.unmarked) {
      this.unmarked.delete(id);
      this.queue.markCanceled(provider, id).catch((error: unknown) => {
        if (this.unmarked.size < CACHE_LIMIT) this.unmarked.set(id, provider);
        this.logger.warn(`cancel marker for overdue job ${id}: ${String(error)}`);
      });
    }
  }

  private async republish(): Promise<void> {
    for (const job of await this.jobs.findUnpublished(UNPUBLISHED_AFTER_S)) {
      await this.queue.publish(jobMessage(job));
      await this.jobs.confirmPublished(job.id);
    }
  }
}
