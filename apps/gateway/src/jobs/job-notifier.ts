import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Job } from '@app/contracts';

/**
 * How often an open SSE stream or `Prefer: wait` re-reads its job as well: the bound on how late a change shows when
 * its announcement from another replica was lost (NATS down).
 */
export const JOB_REREAD_MS = 5000;

/** Job ids are uuids, so this channel name never meets one. */
const ANY_JOB = '*';

/**
 * Fan-out of job changes to SSE streams and `Prefer: wait` requests — this replica's changes and, through the
 * bridge (JobChangesBus, core NATS), those of every other gateway replica, whichever one consumed the event.
 */
@Injectable()
export class JobNotifier {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly remoteListeners = new Set<(job: Job) => void>();
  private forward?: (job: Job) => void;

  /** A change made by this replica: to its listeners, and announced to the others. */
  publish(job: Job): void {
    this.emitter.emit(job.id, job);
    this.emitter.emit(ANY_JOB, job);
    this.forward?.(job);
  }

  /** Connects the replicas: `forward` announces a change to the other replicas. */
  bridge(forward: (job: Job) => void): void {
    this.forward = forward;
  }

  /** A change another replica made. */
  receive(job: Job): void {
    for (const listener of this.remoteListeners) listener(job);
    this.emitter.emit(job.id, job);
    this.emitter.emit(ANY_JOB, job);
  }

  /** Every job's changes, this replica's and the others' (creations included): GET /v1/events. */
  subscribeAll(listener: (job: Job) => void): () => void {
    this.emitter.on(ANY_JOB, listener);
    return () => this.emitter.off(ANY_JOB, listener);
  }

  /** Called with every change another replica made (before the job's own listeners). */
  onRemote(listener: (job: Job) => void): () => void {
    this.remoteListeners.add(listener);
    return () => this.remoteListeners.delete(listener);
  }

  subscribe(jobId: string, listener: (job: Job) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  /** Resolves with the job once `predicate` holds for an update, or with null after `timeoutMs` or when `signal` aborts. */
  waitFor(
    jobId: string,
    predicate: (job: Job) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Job | null> {
    return new Promise((resolve) => {
      const finish = (job: Job | null) => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve(job);
      };
      const onAbort = () => finish(null);
      const off = this.subscribe(jobId, (job) => {
        if (predicate(job)) finish(job);
      });
      const timer = setTimeout(onAbort, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
