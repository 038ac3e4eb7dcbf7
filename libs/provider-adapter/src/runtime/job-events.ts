import type { Logger } from '@nestjs/common';
import {
  SEQ_OF_REFUSAL,
  isTerminal,
  type ErrorBody,
  type JobEvent,
  type JobResult,
  type JobStatus,
  type ProviderName,
} from '@app/contracts';
import type { InflightState } from '../provider-adapter.js';
import type { InflightStore } from './inflight-store.js';
import { backoffMs } from './pacing.js';

/** Publishes one event on JetStream, de-duplicated by `msgId`; throws when NATS does not take it. */
export type PublishEvent = (event: JobEvent, msgId: string) => Promise<void>;

export interface JobEventsOptions {
  provider: ProviderName;
  heartbeatMs: number;
  store: InflightStore;
  publish: PublishEvent;
  logger: Pick<Logger, 'warn'>;
  /** True once the worker shuts down: a terminal event then stops retrying (its KV state lets a restart redo it). */
  stopping: () => boolean;
  wait?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * The job's cumulative events. A progress event is news, not a promise: when NATS cannot take it the next poll
 * sends a newer one. A terminal event is retried until JetStream has it, since nothing else would end the job
 * with its results.
 */
export class JobEvents {
  private readonly lastEmitAt = new Map<string, number>();
  private readonly progressOf = new Map<string, number>();
  private readonly wait: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: JobEventsOptions) {
    this.wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  lastProgress(jobId: string): number | undefined {
    return this.progressOf.get(jobId);
  }

  async emit(state: InflightState, status: JobStatus, progress: number, note?: string, error?: ErrorBody) {
    state.seq++;
    await this.options.store.save(state);
    this.progressOf.set(state.job.jobId, progress);
    this.lastEmitAt.set(state.job.jobId, this.now());
    const event: JobEvent = {
      jobId: state.job.jobId,
      provider: this.options.provider,
      seq: state.seq,
      status,
      at: new Date(this.now()).toISOString(),
      progress,
      result: resultOf(state, status),
      ...(error ? { error } : {}),
      ...(note ? { note } : {}),
    };
    if (isTerminal(status)) return this.publishSurely(event);
    try {
      await this.options.publish(event, msgIdOf(event));
    } catch (thrown) {
      this.options.logger.warn(
        `progress of ${event.jobId} not published (the next poll sends a newer one): ${String(thrown)}`,
      );
    }
  }

  /** A processing event when none went out for a heartbeat (product_design rows show the job alive). */
  async heartbeat(state: InflightState): Promise<void> {
    const last = this.lastEmitAt.get(state.job.jobId) ?? 0;
    if (this.now() - last >= this.options.heartbeatMs) {
      await this.emit(state, 'processing', this.lastProgress(state.job.jobId) ?? 0);
    }
  }

  /** Ends a job the worker refused before running it (malformed, canceled, past its deadline). */
  refused(jobId: string, status: JobStatus, error: ErrorBody): Promise<void> {
    return this.publishSurely({
      jobId,
      provider: this.options.provider,
      seq: SEQ_OF_REFUSAL,
      status,
      at: new Date(this.now()).toISOString(),
      error,
    });
  }

  forget(jobId: string): void {
    this.lastEmitAt.delete(jobId);
    this.progressOf.delete(jobId);
  }

  private async publishSurely(event: JobEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.publish(event, msgIdOf(event));
      } catch (error) {
        if (this.options.stopping() && attempt > 3) throw error;
        this.options.logger.warn(
          `publishing ${event.status} of ${event.jobId} failed (attempt ${attempt}): ${String(error)}`,
        );
        await this.wait(backoffMs(attempt, 500, 10_000));
      }
    }
  }
}

function msgIdOf(event: JobEvent): string {
  return `${event.jobId}:${event.seq}:${event.status}`;
}

/** The job's result as far as it goes: submission facts, result fields, stored files, partial at a timeout. */
export function resultOf(state: InflightState, status: JobStatus): JobResult {
  const submission = state.submission;
  const partialText = typeof state.extra?.text === 'string' && state.extra.text.length > 0;
  const results = state.stored.filter((f) => !f.role);
  const beside = Object.fromEntries(state.stored.filter((f) => f.role).map((f) => [f.role!, f]));
  return {
    ...submission?.result,
    ...state.extra,
    ...beside,
    images: results.filter((f) => !f.contentType.startsWith('video/')),
    ...(submission?.kind === 'video' ? { videos: results.filter((f) => f.contentType.startsWith('video/')) } : {}),
    ...(submission
      ? {
          providerJobId: submission.providerJobId,
          // The account that ran the job: its follow-ups (Midjourney actions) must run there too.
          account: state.account,
          submittedPrompt: submission.submittedPrompt,
          providerPrompt: submission.providerPrompt,
          expectedCount: submission.expectedCount,
        }
      : {}),
    ...(status === 'timeout' && (state.stored.length > 0 || partialText) ? { partial: true } : {}),
  };
}
