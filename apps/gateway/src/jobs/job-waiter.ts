import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isTerminal, type Job } from '@app/contracts';
import { setTimeout as delay } from 'node:timers/promises';
import { JOB_REREAD_MS, JobNotifier } from './job-notifier.js';
import { JobsService } from './jobs.service.js';
import { jobView } from './job-view.js';

/** The longest `Prefer: wait` a request may hold its connection. */
export const MAX_WAIT_SECONDS = 60;

/** `Prefer: wait=N` (RFC 7240): wait up to N seconds (max 60) for the job to end before answering. */
export function preferWaitSeconds(prefer: string | undefined): number {
  const match = /(?:^|[;,\s])wait=(\d+)/.exec(prefer ?? '');
  return match ? Math.min(MAX_WAIT_SECONDS, Number(match[1])) : 0;
}

/** 202 with the new job; 200 when an Idempotency-Key replays it or `Prefer: wait` saw it end. */
export function jobAnswer(reply: FastifyReply, outcome: { job: Job; final: boolean }, created: boolean) {
  void reply.status(created && !outcome.final ? 202 : 200).header('location', `/v1/jobs/${outcome.job.id}`);
  return jobView(outcome.job);
}

/** Holds a create request open until its job ends, when the client asked for that. */
@Injectable()
export class JobWaiter {
  constructor(
    private readonly jobs: JobsService,
    private readonly notifier: JobNotifier,
  ) {}

  /**
   * The job once `predicate` holds — now, or at an update within `waitSeconds` — with `reached`; otherwise the job as
   * it stands when the wait ends.
   */
  async until(
    job: Job,
    predicate: (job: Job) => boolean,
    waitSeconds: number,
  ): Promise<{ job: Job; reached: boolean }> {
    if (waitSeconds <= 0 || predicate(job)) return { job, reached: predicate(job) };
    const reread = async () => (await this.jobs.find(job.id).catch(() => null)) ?? job;
    // Subscribe before re-reading, so a change between the two is not missed.
    const stop = new AbortController();
    const updated = this.notifier.waitFor(job.id, predicate, waitSeconds * 1000, stop.signal);
    const now = await reread();
    if (predicate(now)) {
      stop.abort(); // no listener or timer left behind
      return { job: now, reached: true };
    }
    // Announced changes end the wait at once; the row is re-read too, in case an announcement was lost.
    const polled = (async () => {
      while (!stop.signal.aborted) {
        await delay(JOB_REREAD_MS, undefined, { signal: stop.signal }).catch(() => undefined);
        if (stop.signal.aborted) break;
        const current = await reread();
        if (predicate(current)) return current;
      }
      return null;
    })();
    const hit = await Promise.race([updated, polled]);
    stop.abort();
    return hit ? { job: hit, reached: true } : { job: await reread(), reached: false };
  }

  /** Waits for a terminal state up to `waitSeconds`; the job as it stands otherwise. */
  async settle(created: { job: Job }, waitSeconds: number): Promise<{ job: Job; final: boolean }> {
    const { job, reached } = await this.until(created.job, (j) => isTerminal(j.status), waitSeconds);
    return { job, final: reached };
  }
}
