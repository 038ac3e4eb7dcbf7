import { withLogFields } from '@app/logging';
import type { Logger } from '@nestjs/common';
import { ProviderException, type ErrorBody } from '@app/contracts';
import type { InflightState, PollOutcome, ProviderAdapter, Submission } from '../provider-adapter.js';
import type { AccountMonitor } from './account-monitor.js';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';
import { backoffMs, nextPollDelay, type AccountPacer } from './pacing.js';
import type { ResultStorage } from './result-storage.js';
import type { RuntimeConfig } from './runtime.config.js';
import type { Timers } from './timers.js';

export type EndStatus = 'completed' | 'failed' | 'timeout' | 'canceled';

export interface PollerParts {
  config: RuntimeConfig;
  adapter: ProviderAdapter;
  store: InflightStore;
  events: JobEvents;
  results: ResultStorage;
  account: AccountMonitor;
  pacer: AccountPacer;
  timers: Timers;
  logger: Pick<Logger, 'log' | 'warn' | 'error'>;
  /** Submits a job reconciliation found surely not submitted (job intake). */
  resubmit: (state: InflightState) => Promise<void>;
  now?: () => number;
}

const POLL_TIMEOUT_MS = 60_000;
const RECONCILE_TIMEOUT_MS = 60_000;
const DOWNLOAD_TIMEOUT_MS = 120_000;

/**
 * Follows the jobs this worker holds: adaptive polls, reconciliation of submissions with an unknown outcome,
 * downloads, and the end of every job — at the latest at its deadline. It works from the store's memory, so a NATS
 * outage neither stops a poll nor loses a job; any unexpected failure reschedules the poll.
 */
export class Poller {
  private readonly polling = new Set<string>();
  /** Jobs woken while a poll of theirs ran: polled again right after it. */
  private readonly woken = new Set<string>();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly parts: PollerParts) {
    this.now = parts.now ?? Date.now;
  }

  /** Polls the job after `delayMs`, and never later than its deadline. */
  schedule(jobId: string, delayMs: number): void {
    if (this.stopped) return;
    const state = this.parts.store.get(jobId);
    const untilDeadline = state ? Date.parse(state.job.deadlineAt) - this.now() : delayMs;
    this.parts.timers.set(timerName(jobId), Math.max(0, Math.min(delayMs, untilDeadline)), () => {
      void this.pollOnce(jobId);
    });
  }

  /** The next poll after a submission or a poll: adaptive, or only a backstop while the job's news comes by push. */
  scheduleNext(state: InflightState, outcome?: PollOutcome): void {
    const { adapter, config } = this.parts;
    const delay = adapter.pushes?.(state) ? config.pushBackstopMs : nextPollDelay(state, outcome, config, this.now());
    this.schedule(state.job.jobId, delay);
  }

  /**
   * News of a job arrived (a push): poll it now. The usual rules hold: one poll of a job at a time (a wake during a
   * poll polls again right after it), never past the deadline, nothing after the job ended. Only submitted jobs: a
   * poll during 'submitting' would reconcile a submission that is still under way.
   */
  wake(jobId: string): void {
    const state = this.parts.store.get(jobId);
    if (!state || state.phase !== 'submitted' || this.stopped) return;
    if (this.polling.has(jobId)) this.woken.add(jobId);
    else this.schedule(jobId, 0);
  }

  /** Wakes the job with that provider job id, or every job this worker holds when none is given. */
  wakeByProviderId(providerJobId?: string): void {
    for (const jobId of this.parts.store.ids()) {
      const state = this.parts.store.get(jobId);
      if (providerJobId === undefined || state?.submission?.providerJobId === providerJobId) this.wake(jobId);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const name of this.parts.timers.names()) if (name.startsWith('poll:')) this.parts.timers.clear(name);
  }

  /** Takes a job back after a restart or a redelivery: poll it, or reconcile a submission in doubt. */
  resume(state: InflightState): void {
    this.parts.store.adopt(state);
    this.schedule(state.job.jobId, state.phase === 'submitted' ? 0 : 500);
  }

  /** One poll of one job; what it logs (adapter included) carries the job's id, provider and account. */
  pollOnce(jobId: string): Promise<void> {
    const { provider, account } = this.parts.config;
    return withLogFields({ jobId, provider, account }, () => this.pollJob(jobId));
  }

  private async pollJob(jobId: string): Promise<void> {
    const state = this.parts.store.get(jobId);
    if (!state || this.polling.has(jobId) || this.stopped) return;
    this.polling.add(jobId);
    try {
      await this.step(state);
    } catch (error) {
      // Whatever failed (our infrastructure, a bug), the job is still ours: try again soon.
      this.parts.logger.error(`poll of ${jobId} failed: ${error instanceof Error ? error.stack : String(error)}`);
      if (this.parts.store.get(jobId)) this.schedule(jobId, backoffMs(state.pollErrors + 1, 1000, 30_000));
    } finally {
      this.polling.delete(jobId);
      if (this.woken.delete(jobId)) this.wake(jobId);
    }
  }

  /** The terminal event first (retried until JetStream has it), then the store forgets the job. */
  async finish(state: InflightState, status: EndStatus, error?: ErrorBody): Promise<void> {
    const jobId = state.job.jobId;
    const { events, store, adapter, timers, logger } = this.parts;
    timers.clear(timerName(jobId));
    this.woken.delete(jobId);
    const progress = status === 'completed' ? 100 : (events.lastProgress(jobId) ?? 0);
    await events.emit(state, status, progress, undefined, error);
    await store.end(jobId, status);
    events.forget(jobId);
    await adapter.release?.(jobId).catch((e: unknown) => logger.warn(`releasing ${jobId} failed: ${String(e)}`));
    if (status === 'failed') logger.warn(`job ${jobId} failed: ${error?.code} ${error?.message}`);
  }

  private async step(state: InflightState): Promise<void> {
    const { adapter, store, events, results, account } = this.parts;
    const jobId = state.job.jobId;
    if (await this.canceled(jobId)) {
      return this.finish(state, 'canceled', { code: 'CANCELED', message: 'Canceled by the client' });
    }
    if (this.deadlineLeft(state) <= 0) return this.finishAtDeadline(state);
    if (state.phase === 'submitting') return this.reconcile(state);

    let outcome: PollOutcome;
    try {
      outcome = await adapter.poll(state, this.signal(state, POLL_TIMEOUT_MS));
      state.pollErrors = 0;
    } catch (thrown) {
      account.onError(adapter.classifyError(thrown));
      state.pollErrors++;
      state.polls++;
      await store.save(state);
      await events.heartbeat(state);
      return this.schedule(jobId, backoffMs(state.pollErrors, 1000, 30_000));
    }
    state.polls++;
    // Result fields are cumulative: only a change is news (an answer streaming in), not every poll's copy.
    const before = JSON.stringify(state.extra ?? {});
    if (outcome.result) state.extra = { ...state.extra, ...outcome.result };
    // First news that the provider finished: remembered, since downloads and storage still take their time.
    if (outcome.state === 'completed' && state.extra?.providerDoneAt === undefined) {
      state.extra = { ...state.extra, providerDoneAt: new Date(this.now()).toISOString() };
    }
    const resultChanged = JSON.stringify(state.extra ?? {}) !== before;
    if (outcome.expectedCount !== undefined && state.submission) state.submission.expectedCount = outcome.expectedCount;
    if (outcome.state === 'failed') {
      const error = outcome.error ?? new ProviderException('PROVIDER_ERROR', 'The provider failed the job');
      account.onError(error); // a rate limit or a lost session seen mid-job says as much about the account
      return this.finish(state, 'failed', error.toJSON());
    }
    const storedBefore = state.stored.length;
    await results.downloadReady(state, outcome.ready, this.signal(state, DOWNLOAD_TIMEOUT_MS));
    const expected = state.submission?.expectedCount ?? 1;
    // No files expected (a caption, a text answer): done when the provider says so.
    if (state.stored.length >= expected && (expected > 0 || outcome.state === 'completed')) {
      return this.finish(state, 'completed');
    }
    const elapsed = this.now() - Date.parse(state.submittedAt ?? state.updatedAt);
    if (elapsed >= (state.submission?.expectedDurationMs ?? 0) || outcome.state === 'completed') {
      state.overduePolls = (state.overduePolls ?? 0) + 1;
    }
    const progress = Math.min(
      99,
      Math.max(outcome.progress ?? 0, expected > 0 ? Math.floor((100 * state.stored.length) / expected) : 0),
    );
    if (state.stored.length !== storedBefore || progress !== events.lastProgress(jobId) || resultChanged) {
      await events.emit(state, 'processing', progress);
    } else {
      await store.save(state);
      await events.heartbeat(state);
    }
    this.scheduleNext(state, outcome);
  }

  /** After a crash during 'submitting' or an unknown submit outcome: ask the provider's job list, never guess. */
  private async reconcile(state: InflightState): Promise<void> {
    const { adapter, store, events, account, pacer, logger } = this.parts;
    const jobId = state.job.jobId;
    if (!adapter.findSubmission) {
      return this.finish(state, 'failed', {
        code: 'SUBMISSION_UNKNOWN',
        message: 'The worker stopped while submitting and the provider offers no job list to check; not resubmitted',
      });
    }
    let found: Submission | null;
    try {
      found = await adapter.findSubmission(state, this.signal(state, RECONCILE_TIMEOUT_MS));
    } catch (thrown) {
      // The provider cannot tell yet (a new job not listed yet, a failed call): ask again, until the deadline.
      const error = adapter.classifyError(thrown);
      if (error.code !== 'SUBMISSION_UNKNOWN') account.onError(error);
      state.pollErrors++;
      await store.save(state);
      const retryAfter = error.control.retryAfterMs ?? 0;
      return this.schedule(jobId, Math.max(retryAfter, backoffMs(state.pollErrors, 1000, 30_000)));
    }
    if (found === null) {
      // Surely not submitted: submit now, unless the account must wait (pacing, a cooldown after a 429).
      const wait = account.usable() ? pacer.waitMs() : 1000;
      if (wait > 0) return this.schedule(jobId, wait);
      logger.log(`${jobId} was not submitted (crash or lost answer); submitting now`);
      state.pollErrors = 0;
      return this.parts.resubmit(state);
    }
    state.phase = 'submitted';
    state.submission = found;
    state.submittedAt ??= state.submittingAt ?? new Date(this.now()).toISOString();
    await events.emit(state, 'processing', 0, 'found in the provider’s job list (the submission outcome was unknown)');
    this.scheduleNext(state);
  }

  private finishAtDeadline(state: InflightState): Promise<void> {
    const count = state.stored.length;
    const expected = state.submission?.expectedCount ?? 0;
    const partialText = typeof state.extra?.text === 'string' && state.extra.text.length > 0;
    return this.finish(state, 'timeout', {
      code: 'PROVIDER_TIMEOUT',
      message: count
        ? `Deadline passed with ${count} of ${expected} files stored`
        : partialText
          ? 'Deadline passed before the answer finished; the partial text is kept'
          : 'Deadline passed before any result was ready',
    });
  }

  /** A cancel marker we cannot read now (NATS down) is read again next poll; the cancel watch reacts sooner. */
  private async canceled(jobId: string): Promise<boolean> {
    try {
      return await this.parts.store.isCanceled(jobId);
    } catch {
      return false;
    }
  }

  private deadlineLeft(state: InflightState): number {
    return Date.parse(state.job.deadlineAt) - this.now();
  }

  /** A provider call's signal: its own limit, and never past the job's deadline. */
  private signal(state: InflightState, limitMs: number): AbortSignal {
    return AbortSignal.timeout(Math.max(1, Math.min(limitMs, this.deadlineLeft(state))));
  }
}

function timerName(jobId: string): string {
  return `poll:${jobId}`;
}
