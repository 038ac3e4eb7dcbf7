import { Injectable, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { isTerminal, type Job } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { JobNotifier } from './job-notifier.js';
import { jobView } from './job-view.js';
import { JobsService } from './jobs.service.js';

/** Builds the SSE stream of one job: current snapshot, every update, completion at the terminal state. */
@Injectable()
export class JobStreamService {
  constructor(
    private readonly jobs: JobsService,
    private readonly notifier: JobNotifier,
  ) {}

  async open(key: ApiKey, id: string): Promise<Observable<MessageEvent>> {
    const first = await this.jobs.get(key, id);
    return new Observable<MessageEvent>((subscriber) => {
      const send = (job: Job) => {
        subscriber.next({ type: 'job', id: String(job.updatedAt), data: jobView(job) });
        if (isTerminal(job.status)) subscriber.complete();
      };
      const off = this.notifier.subscribe(id, send);
      send(first);
      const keepAlive = setInterval(() => subscriber.next({ type: 'ping', data: '' }), 15_000);
      return () => {
        off();
        clearInterval(keepAlive);
      };
    });
  }
}
