import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { isTerminal, type Job } from '@app/contracts';

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

  /** Resolves with the job once terminal, or with null after `timeoutMs`. */
  waitForTerminal(jobId: string, timeoutMs: number): Promise<Job | null> {
    return new Promise((resolve) => {
      const off = this.subscribe(jobId, (job) => {
        if (!isTerminal(job.status)) return;
        clearTimeout(timer);
        off();
        resolve(job);
      });
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, timeoutMs);
    });
  }
}
