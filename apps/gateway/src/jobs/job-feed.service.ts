import { Injectable, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Job } from '@app/contracts';
import { keyAllows, type ApiKey } from '../auth/api-key.js';
import { JobNotifier } from './job-notifier.js';
import { jobView } from './job-view.js';

/** The list-wide stream: every change (creation included) of every job the key may see, until the client leaves. */
@Injectable()
export class JobFeedService {
  constructor(private readonly notifier: JobNotifier) {}

  open(key: ApiKey, filter: { provider?: string; status?: string }): Observable<MessageEvent> {
    const wanted = (job: Job) =>
      keyAllows(key, job.provider) &&
      (!filter.provider || job.provider === filter.provider) &&
      (!filter.status || job.status === filter.status);
    return new Observable<MessageEvent>((subscriber) => {
      const off = this.notifier.subscribeAll((job) => {
        if (wanted(job)) subscriber.next({ type: 'job', id: `${job.id}:${job.updatedAt}`, data: jobView(job) });
      });
      // Tells the client the stream is live (it reloads its page then, so nothing between the two is missed).
      subscriber.next({ type: 'ready', data: '' });
      const keepAlive = setInterval(() => subscriber.next({ type: 'ping', data: '' }), 15_000);
      return () => {
        off();
        clearInterval(keepAlive);
      };
    });
  }
}
