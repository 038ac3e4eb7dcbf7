import type { Logger } from '@nestjs/common';
import { JobMessage, parsePayload } from '@app/contracts';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';

/** The provider's part of the JOBS stream (its shared and pinned subjects), read without taking anything. */
export interface QueueReader {
  /** The stream's last sequence number (0 when empty). */
  lastSeq(): Promise<number>;
  /** Up to `limit` of the provider's job messages after `seq`, oldest first. */
  after(seq: number, limit: number): Promise<{ seq: number; payload: unknown }[]>;
  /** The message at `seq`, or null once it is gone (a worker took and acked it). */
  at(seq: number): Promise<unknown>;
}

export interface QueueDeadlinesParts {
  store: InflightStore;
  events: JobEvents;
  logger: Pick<Logger, 'warn'>;
  reader: QueueReader;
  /** This worker's account, and whether it can take jobs now: a pinned job of a usable account only timed out. */
  account?: { name: string; usable: () => boolean };
  now?: () => number;
}

/** A worker that holds the job ends it at its deadline itself; this one waits a moment longer before stepping in. */
const GRACE_MS = 1000;
/** New messages learnt per sweep; a deeper backlog is learnt over the next sweeps. */
const READ_LIMIT = 200;
/** Queued jobs remembered at most; past it the oldest entries are dropped (the gateway's sweeper still ends them). */
const MAX_KNOWN = 20_000;

interface Queued {
  jobId: string;
  deadline: number;
  /** The account a pinned job waits for. */
  account?: string;
}

/**
 * Ends jobs that wait in the queue past their deadline — no account of the provider had room — with QUEUE_TIMEOUT,
 * at the deadline, from the worker side. The gateway's sweeper does the same, but a job's end must not wait for the
 * gateway to be up: the event waits in JetStream and dates the job's end. The message stays; whoever takes it later
 * sees the deadline passed and refuses it again (the event is de-duplicated).
 *
 * Each message is read once and its deadline remembered by sequence number; a sweep costs one request for the
 * stream's last sequence, the new messages, and one lookup per job that has come due (gone = taken by a worker).
 */
export class QueueDeadlines {
  private readonly known = new Map<number, Queued>();
  private lastSeen = 0;
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
    try {
      await this.learn();
    } catch {
      return; // NATS is away: the next sweep looks again
    }
    const now = this.now();
    for (const [seq, queued] of this.known) {
      if (now - queued.deadline < GRACE_MS) continue;
      let payload: unknown;
      try {
        payload = await this.parts.reader.at(seq);
      } catch {
        return;
      }
      if (payload === null) {
        this.known.delete(seq); // taken by a worker, which ends it
        continue;
      }
      if (this.parse(payload)?.jobId !== queued.jobId) {
        this.forget(); // the stream was made anew: learn it again
        return;
      }
      if (await this.end(queued)) this.known.delete(seq);
    }
  }

  /** Reads the messages that arrived since the last sweep. */
  private async learn(): Promise<void> {
    const { reader } = this.parts;
    if ((await reader.lastSeq()) < this.lastSeen) this.forget(); // the stream was made anew
    for (const { seq, payload } of await reader.after(this.lastSeen, READ_LIMIT)) {
      this.lastSeen = Math.max(this.lastSeen, seq);
      const job = this.parse(payload);
      if (!job) continue; // malformed: whoever takes it terminates it
      this.known.set(seq, {
        jobId: job.jobId,
        deadline: Date.parse(job.deadlineAt),
        ...(job.account ? { account: job.account } : {}),
      });
    }
    for (const seq of this.known.keys()) {
      if (this.known.size <= MAX_KNOWN) break;
      this.known.delete(seq);
    }
  }

  /** Ends a due job unless a worker has it; false when the KV could not say (asked again next sweep). */
  private async end({ jobId, account }: Queued): Promise<boolean> {
    const { store, events } = this.parts;
    try {
      // Held here, taken by some worker (its KV record) or ended already: that worker ends it, or it has.
      if (store.get(jobId) || (await store.load(jobId)) || (await store.hasFinished(jobId))) return true;
    } catch {
      return false;
    }
    const own = this.parts.account;
    if (account && !(own?.name === account && own.usable())) {
      // Pinned to an account that did not take it in time: signed out, locked, or no longer running.
      await events.refused(jobId, 'failed', {
        code: 'ACCOUNT_UNAVAILABLE',
        message: `The job belongs to account ${account} (it made the parent job), which did not take it before the deadline (signed out or gone); never submitted`,
      });
      return true;
    }
    await events.refused(jobId, 'timeout', {
      code: 'QUEUE_TIMEOUT',
      message: 'The deadline passed while the job waited for an account with room; never submitted',
    });
    return true;
  }

  private parse(payload: unknown): JobMessage | undefined {
    try {
      return parsePayload(JobMessage, payload);
    } catch {
      return undefined;
    }
  }

  private forget(): void {
    this.known.clear();
    this.lastSeen = 0;
  }
}
