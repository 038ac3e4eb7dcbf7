import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Job } from '@app/contracts';

/** In-process fan-out of job updates to SSE streams and `Prefer: wait` requests. */
@Injectable()
export class JobNotifier {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(job: Job): void {
    this.emitter.emit(job.id, job);
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
