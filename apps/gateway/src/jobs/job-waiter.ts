import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isTerminal, type Job } from '@app/contracts';
import { JobNotifier } from './job-notifier.js';
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

  /** Waits for a terminal state up to `waitSeconds`; the job as it stands otherwise. */
  async settle(created: { job: Job }, waitSeconds: number): Promise<{ job: Job; final: boolean }> {
    if (waitSeconds <= 0 || isTerminal(created.job.status)) {
      return { job: created.job, final: isTerminal(created.job.status) };
    }
    // Subscribe before re-reading, so an end between the two is not missed.
    const done = this.notifier.waitForTerminal(created.job.id, waitSeconds * 1000);
    const now = (await this.jobs.find(created.job.id)) ?? created.job;
    if (isTerminal(now.status)) {
      this.notifier.publish(now); // releases the waiter at once
      return { job: now, final: true };
    }
    const ended = await done;
    return ended
      ? { job: ended, final: true }
      : { job: (await this.jobs.find(created.job.id)) ?? created.job, final: false };
  }
}
