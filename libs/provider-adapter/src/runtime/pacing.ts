import type { ProviderException } from '@app/contracts';
import type { InflightState, PollOutcome } from '../provider-adapter.js';
import type { RuntimeConfig } from './runtime.config.js';

const MAX_PENALTY_MS = 5 * 60_000;
/** Within this of the estimated finish, the next poll lands just after it rather than before. */
const FINAL_APPROACH_MS = 3_000;
const FINISH_MARGIN_MS = 60;

/** Longest a worker holds back its pull because it is busier than the others could be (see `staggerMs`). */
const MAX_STAGGER_MS = 400;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Per-account pacing: minimum gap (with jitter), running limit, 429 cooldown that grows and decays (ehmo/mj's
 * scheme), a daily job limit and working hours.
 */
export class AccountPacer {
  penaltyMs = 0;
  cooldownUntil = 0;
  lastSubmitAt = 0;
  /** Submissions on the UTC day `day` (days since the epoch). */
  submittedToday = 0;
  private day = 0;
  /** The gap drawn for the next submission: the configured gap ± the jitter share. */
  private jitterFactor = 1;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly random: () => number = Math.random,
  ) {}

  gapMs(): number {
    return Math.round(this.config.minSubmitGapMs * this.jitterFactor) + this.penaltyMs;
  }

  /** Why the account takes no job now apart from gaps and cooldowns: its day's jobs are used up, or it is off duty. */
  offDuty(now = Date.now()): 'daily_limit' | 'working_hours' | null {
    const { dailyJobLimit, workingHours } = this.config;
    if (dailyJobLimit > 0 && this.countToday(now) >= dailyJobLimit) return 'daily_limit';
    if (workingHours) {
      const minute = Math.floor((now % DAY_MS) / 60_000);
      const { start, end } = workingHours;
      const inside = start <= end ? minute >= start && minute < end : minute >= start || minute < end;
      if (!inside) return 'working_hours';
    }
    return null;
  }

  /**
   * How long to hold back a pull, so that of several accounts with room the least busy (and the heavier weighted)
   * one pulls first: 0 when idle, up to MAX_STAGGER_MS when nearly full, divided by the weight.
   */
  staggerMs(held: number): number {
    const load = Math.min(1, held / Math.max(1, this.config.maxRunning));
    return Math.round((MAX_STAGGER_MS * load) / Math.max(0.1, this.config.weight));
  }

  countToday(now = Date.now()): number {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.submittedToday = 0;
    }
    return this.submittedToday;
  }

  /** Milliseconds until a submission is allowed (0 = now). */
  waitMs(now = Date.now()): number {
    return Math.max(0, this.lastSubmitAt + this.gapMs() - now, this.cooldownUntil - now);
  }

  onSubmitted(now = Date.now()): void {
    this.lastSubmitAt = now;
    this.countToday(now);
    this.submittedToday++;
    const jitter = Math.min(0.9, Math.max(0, this.config.gapJitter));
    this.jitterFactor = 1 - jitter + 2 * jitter * this.random();
  }

  onSuccess(): void {
    this.penaltyMs = Math.floor(this.penaltyMs / 2);
  }

  onRateLimited(error: ProviderException, now = Date.now()): void {
    this.penaltyMs = Math.min(MAX_PENALTY_MS, this.penaltyMs + this.config.rateLimitPenaltyMs);
    const retryAfter = Number(error.control.retryAfterMs ?? 0);
    this.cooldownUntil = now + Math.max(retryAfter, this.penaltyMs);
  }

  /** The provider is full for now (in-flight limit): take no job for `ms`, without counting it as a 429. */
  hold(ms: number, now = Date.now()): void {
    this.cooldownUntil = Math.max(this.cooldownUntil, now + ms);
  }

  coolingDown(now = Date.now()): boolean {
    return now < this.cooldownUntil;
  }
}

/**
 * When to poll next: before the expected finish, when progress says the job should be done (first at a fraction
 * of the expected time); after it, fast at first then backing off. Never longer than the heartbeat.
 */
export function nextPollDelay(
  state: InflightState,
  outcome: PollOutcome | undefined,
  config: RuntimeConfig,
  now = Date.now(),
): number {
  const clamp = (ms: number, max: number) => Math.round(Math.min(max, Math.max(config.pollMinMs, ms)));
  if (outcome?.retryAfterMs) return clamp(outcome.retryAfterMs, config.heartbeatMs);
  const submission = state.submission;
  if (!submission) return config.pollMinMs;
  const elapsed = now - Date.parse(state.submittedAt ?? state.updatedAt);
  const p = outcome?.progress;
  if (outcome && outcome.state === 'running' && p !== undefined && p > 0 && p < 100) {
    // Progress is a floored percentage, so elapsed·100/p is the latest the job can finish. Far from it, aim early
    // and refine; close to it, poll once just after it.
    const remaining = (elapsed * (100 - p)) / p;
    if (remaining > FINAL_APPROACH_MS) return clamp(remaining * 0.7, config.heartbeatMs);
    return clamp(remaining + FINISH_MARGIN_MS, config.heartbeatMs);
  }
  if (outcome === undefined) return clamp(submission.expectedDurationMs * config.firstPollFraction, config.heartbeatMs);
  if (elapsed < submission.expectedDurationMs && outcome.state !== 'completed') {
    return clamp(submission.expectedDurationMs - elapsed, config.heartbeatMs);
  }
  const overdue = state.overduePolls ?? 0;
  return clamp(config.pollMinMs * 1.5 ** overdue, config.pollMaxMs);
}

/** Backoff after transient failures (poll errors, retriable submit failures). */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
