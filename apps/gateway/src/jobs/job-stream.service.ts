import { Injectable, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { isTerminal, type Job } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { QuotasService } from '../limits/quotas.service.js';
import { JOB_REREAD_MS, JobNotifier } from './job-notifier.js';
import { jobView } from './job-view.js';
import { JobsService } from './jobs.service.js';

/** Builds the SSE stream of one job: current snapshot, every update, completion at the terminal state. */
@Injectable()
export class JobStreamService {
  constructor(
    private readonly jobs: JobsService,
    private readonly notifier: JobNotifier,
    private readonly quotas: QuotasService,
  ) {}

  async open(key: ApiKey, id: string): Promise<Observable<MessageEvent>> {
    const first = await this.jobs.get(key, id);
    // The slot is held while the stream is open (it ends with the job or the client's disconnect).
    const release = await this.quotas.takeStream(key);
    return new Observable<MessageEvent>((subscriber) => {
      let lastAt = '';
      let lastKey = '';
      const send = (job: Job) => {
        const key = `${job.updatedAt}|${job.status}|${job.progress}`;
        // Older than what was sent, or sent already (announced, then re-read).
        if (subscriber.closed || job.updatedAt < lastAt || key === lastKey) return;
        lastAt = job.updatedAt;
        lastKey = key;
        subscriber.next({ type: 'job', id: String(job.updatedAt), data: jobView(job) });
        if (isTerminal(job.status)) subscriber.complete();
      };
      const off = this.notifier.subscribe(id, send);
      send(first);
      const keepAlive = setInterval(() => subscriber.next({ type: 'ping', data: '' }), 15_000);
      // Changes arrive announced (from any replica); the row is re-read too, in case an announcement was lost.
      const reread = setInterval(() => {
        this.jobs.find(id).then(
          (job) => job && send(job),
          () => undefined,
        );
      }, JOB_REREAD_MS);
      return () => {
        off();
        clearInterval(keepAlive);
        clearInterval(reread);
        release();
        release();
      };
    });
  }
}
