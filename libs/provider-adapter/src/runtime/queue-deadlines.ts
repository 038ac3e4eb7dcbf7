import type { Logger } from '@nestjs/common';
import { JobMessage, parsePayload } from '@app/contracts';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';

export interface QueueDeadlinesParts {
  store: InflightStore;
  events: JobEvents;
  logger: Pick<Logger, 'warn'>;
  /** Up to `limit` job messages still in the queue, oldest first, read without taking them. */
  readQueued: (limit: number) => Promise<unknown[]>;
  now?: () => number;
}

/** A worker that holds the job ends it at its deadline itself; this one waits a moment longer before stepping in. */
const GRACE_MS = 1000;
const READ_LIMIT = 200;
const REMEMBER_MS = 10 * 60_000;

/**
 * Ends jobs that wait in the queue past their deadline — no account of the provider had room — with QUEUE_TIMEOUT,
 * at the deadline, from the worker side. The gateway's sweeper does the same, but a job's end must not wait for the
 * gateway to be up: the event waits in JetStream and dates the job's end. The message stays; whoever takes it later
 * sees the deadline passed and refuses it again (the event is de-duplicated).
 */
export class QueueDeadlines {
  private readonly ended = new Map<string, number>();
  private sweeping?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly parts: QueueDeadlinesParts) {
    this.now = parts.now ?? Date.now;
  }

  /** One look at the queue; a call while one runs joins it. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { store, events } = this.parts;
    let queued: unknown[];
    try {
      queued = await this.parts.readQueued(READ_LIMIT);
    } catch {
      return; // NATS is away: the next sweep looks again
    }
    const now = this.now();
    for (const payload of queued) {
      let job: JobMessage;
      try {
        job = parsePayload(JobMessage, payload);
      } catch {
        continue; // malformed: whoever takes it terminates it
      }
      const jobId = job.jobId;
      if (now - Date.parse(job.deadlineAt) < GRACE_MS || this.ended.has(jobId) || store.get(jobId)) continue;
      try {
        // Taken by some worker (its KV record) or ended already: that worker ends it, or it has.
        if ((await store.load(jobId)) || (await store.hasFinished(jobId))) continue;
      } catch {
        continue;
      }
      this.ended.set(jobId, now);
      await events.refused(jobId, 'timeout', {
        code: 'QUEUE_TIMEOUT',
        message: 'The deadline passed while the job waited for an account with room; never submitted',
      });
    }
    for (const [jobId, at] of this.ended) if (now - at > REMEMBER_MS) this.ended.delete(jobId);
  }
}
