import type { Logger } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { KvWatchInclude } from '@nats-io/kv';
import type { InflightState } from '../provider-adapter.js';
import { InfrastructureError, infra } from './infra.js';

/** The part of a KV bucket the store uses (the real `KV`, or a stand-in in unit tests). */
export type Bucket = Pick<KV, 'get' | 'put' | 'create' | 'delete' | 'keys' | 'watch'>;

export interface InflightBuckets {
  /** jobId → InflightState of jobs being submitted or run. */
  inflight: Bucket;
  /** jobId → marker the gateway writes when a client cancels. */
  canceled: Bucket;
  /** jobId → marker of an ended job, so a redelivered message is never run again. */
  finished: Bucket;
}

/**
 * The in-flight state of this worker's jobs. Memory holds the authoritative copy of every job the worker runs; the KV
 * copy lets a restarted worker resume. Once a provider accepted a job, that fact must outlive a NATS outage: a KV
 * write that fails is kept and retried by `flush()` until it lands, and nothing acts on the write having failed.
 * Only the write before a submission (`persist`) must land first: no KV record, no submission.
 */
export class InflightStore {
  private readonly jobs = new Map<string, InflightState>();
  /** Jobs whose KV copy is older than memory. */
  private readonly behind = new Set<string>();
  /** Ended jobs whose finished marker or KV removal has not landed yet → the marker. */
  private readonly ending = new Map<string, string>();
  /** Called once a job's state (or its end) is in the KV: acks of messages held until then. */
  private readonly onDurable = new Map<string, () => void>();
  private outage = false;
  private flushing?: Promise<void>;
  /** Each job's KV writes in order: a late state write never lands after the job's removal. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly buckets: InflightBuckets,
    private readonly logger: Pick<Logger, 'warn' | 'log'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The worker's own copy of a job it runs. */
  get(jobId: string): InflightState | undefined {
    return this.jobs.get(jobId);
  }

  /** Jobs this worker holds (being submitted, reconciled or polled). */
  size(): number {
    return this.jobs.size;
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  /** Takes a job found in the KV (resume, redelivery) as this worker's. */
  adopt(state: InflightState): void {
    this.jobs.set(state.job.jobId, state);
  }

  /** True when the KV has the latest state of the job (or its end). */
  isDurable(jobId: string): boolean {
    return !this.behind.has(jobId) && !this.ending.has(jobId);
  }

  /**
   * Records a new job's 'submitting' state if no worker has: true when this worker now holds the job, false when
   * another claimed it first (two accounts took copies of one message). Throws InfrastructureError.
   */
  async claim(state: InflightState): Promise<boolean> {
    const jobId = state.job.jobId;
    state.updatedAt = new Date(this.now()).toISOString();
    const value = JSON.stringify(state);
    try {
      await this.serial(jobId, () => this.buckets.inflight.create(jobId, value));
    } catch (error) {
      const code = error instanceof JetStreamApiError ? error.code : undefined;
      if (
        code === JetStreamApiCodes.StreamWrongLastSequence ||
        code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
      ) {
        return false;
      }
      throw new InfrastructureError('kv', `create ${jobId}`, error);
    }
    this.jobs.set(jobId, state);
    return true;
  }

  /** Writes the state now and holds the job; throws InfrastructureError when the KV cannot take it. */
  async persist(state: InflightState): Promise<void> {
    const jobId = state.job.jobId;
    if (this.ending.has(jobId)) return; // a late write must not bring an ended job back
    this.jobs.set(jobId, state);
    state.updatedAt = new Date(this.now()).toISOString();
    const value = JSON.stringify(state);
    await this.serial(jobId, () => infra('kv', `put ${jobId}`, () => this.buckets.inflight.put(jobId, value)));
    this.landed(jobId);
  }

  /**
   * Keeps the state of a held job in memory and writes it to the KV now or, when the KV is down, at a later `flush()`. Never
   * throws: a job's progress never depends on our infrastructure being up. `onDurable` runs once the write lands.
   */
  async save(state: InflightState, onDurable?: () => void): Promise<void> {
    const jobId = state.job.jobId;
    if (!this.jobs.has(jobId)) return; // ended (or never held): a late write must not bring it back
    if (onDurable) this.onDurable.set(jobId, onDurable);
    try {
      await this.persist(state);
    } catch (error) {
      this.behind.add(jobId);
      this.enterOutage(error);
    }
  }

  /** Retries the KV writes that failed; called periodically (a call while one runs joins it). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    for (const jobId of [...this.behind]) {
      const state = this.jobs.get(jobId);
      if (!state) {
        this.behind.delete(jobId);
        continue;
      }
      try {
        await this.persist(state);
      } catch (error) {
        return this.enterOutage(error);
      }
    }
    for (const [jobId, marker] of [...this.ending]) {
      try {
        await this.writeEnd(jobId, marker);
      } catch (error) {
        return this.enterOutage(error);
      }
    }
    if (this.outage && this.behind.size === 0 && this.ending.size === 0) {
      this.outage = false;
      this.logger.log('in-flight state caught up with the KV');
    }
  }

  /** Reads a job's state from the KV (a redelivery, a resume); throws InfrastructureError. */
  async load(jobId: string): Promise<InflightState | null> {
    const entry = await infra('kv', `get ${jobId}`, () => this.buckets.inflight.get(jobId));
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return null;
    return entry.json<InflightState>();
  }

  /** Every job id in the KV; throws InfrastructureError. */
  async storedIds(): Promise<string[]> {
    return infra('kv', 'keys', async () => {
      const ids: string[] = [];
      for await (const key of await this.buckets.inflight.keys()) ids.push(key);
      return ids;
    });
  }

  /**
   * Forgets a job the provider surely did not accept, so that a redelivery starts afresh; throws
   * InfrastructureError (the KV then still says 'submitting', and a redelivery reconciles instead).
   */
  async discard(jobId: string): Promise<void> {
    this.jobs.delete(jobId);
    this.behind.delete(jobId);
    this.onDurable.delete(jobId);
    await this.serial(jobId, () => infra('kv', `delete ${jobId}`, () => this.buckets.inflight.delete(jobId)));
  }

  /** Drops a KV entry of a job that ended before a crash could remove it; throws InfrastructureError. */
  async removeStale(jobId: string): Promise<void> {
    await infra('kv', `delete ${jobId}`, () => this.buckets.inflight.delete(jobId));
  }

  /** The job ended: memory forgets it now; the finished marker and the KV removal land now or at a later flush. */
  async end(jobId: string, status: string): Promise<void> {
    this.jobs.delete(jobId);
    this.behind.delete(jobId);
    const marker = JSON.stringify({ status, at: new Date(this.now()).toISOString() });
    this.ending.set(jobId, marker);
    try {
      await this.writeEnd(jobId, marker);
    } catch (error) {
      this.enterOutage(error);
    }
  }

  /** True when the job ended (here, even if the KV does not know yet, or anywhere); throws InfrastructureError. */
  async hasFinished(jobId: string): Promise<boolean> {
    if (this.ending.has(jobId)) return true;
    const entry = await infra('kv', `get finished ${jobId}`, () => this.buckets.finished.get(jobId));
    return !!entry && entry.operation === 'PUT' && entry.length > 0;
  }

  /** Throws InfrastructureError. */
  async isCanceled(jobId: string): Promise<boolean> {
    const entry = await infra('kv', `get canceled ${jobId}`, () => this.buckets.canceled.get(jobId));
    return !!entry && entry.operation === 'PUT' && entry.length > 0;
  }

  /** Calls `onCancel` for every cancel marker written from now on, until the watch ends (a NATS restart) or stops. */
  async watchCancels(onCancel: (jobId: string) => void, register: (stop: () => void) => void): Promise<void> {
    const updates = await infra('kv', 'watch canceled', () =>
      this.buckets.canceled.watch({ include: KvWatchInclude.UpdatesOnly }),
    );
    register(() => updates.stop());
    for await (const entry of updates) {
      if (entry.operation === 'PUT') onCancel(entry.key);
    }
  }

  private async writeEnd(jobId: string, marker: string): Promise<void> {
    await this.serial(jobId, async () => {
      await infra('kv', `put finished ${jobId}`, () => this.buckets.finished.put(jobId, marker));
      await infra('kv', `delete ${jobId}`, () => this.buckets.inflight.delete(jobId));
    });
    this.ending.delete(jobId);
    this.landed(jobId);
  }

  private serial<T>(jobId: string, write: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(jobId) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.chains.set(jobId, next);
    const settle = () => {
      if (this.chains.get(jobId) === next) this.chains.delete(jobId);
    };
    next.then(settle, settle);
    return next;
  }

  private landed(jobId: string): void {
    this.behind.delete(jobId);
    const callback = this.onDurable.get(jobId);
    if (!callback) return;
    this.onDurable.delete(jobId);
    callback();
  }

  private enterOutage(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(`in-flight state kept in memory until the KV answers again: ${String(error)}`);
  }
}
