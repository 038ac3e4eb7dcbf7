import { describe, expect, it } from 'vitest';
import { ProviderException } from '@app/contracts';
import type { InflightState, PollOutcome } from '../provider-adapter.js';
import { AccountPacer, backoffMs, nextPollDelay } from './pacing.js';
import { RuntimeConfig } from './runtime.config.js';

const config = (over: Partial<RuntimeConfig> = {}) =>
  Object.assign(new RuntimeConfig(), { provider: 'midjourney', ...over });

describe('AccountPacer', () => {
  it('keeps the minimum gap between submissions', () => {
    const pacer = new AccountPacer(config({ minSubmitGapMs: 10_000, gapJitter: 0 }));
    const t = Date.parse('2026-11-23T00:00:00Z');
    expect(pacer.waitMs(t)).toBe(0); // never submitted
    pacer.onSubmitted(t);
    expect(pacer.waitMs(t)).toBe(10_000);
    expect(pacer.waitMs(t + 7_000)).toBe(3_000);
    expect(pacer.waitMs(t + 10_000)).toBe(0);
  });

  it('draws each gap within ± the jitter share of the minimum', () => {
    const draws = [0, 1, 0.5];
    const pacer = new AccountPacer(config({ minSubmitGapMs: 10_000, gapJitter: 0.2 }), () => draws.shift()!);
    const gaps = [0, 1, 2].map((i) => {
      pacer.onSubmitted(i * 60_000);
      return pacer.gapMs();
    });
    expect(gaps).toEqual([8_000, 12_000, 10_000]);
  });

  it('stops at the daily job limit until the next UTC day', () => {
    const pacer = new AccountPacer(config({ dailyJobLimit: 2 }));
    const day = Date.parse('2026-11-23T00:00:00Z');
    pacer.onSubmitted(day + 1000);
    expect(pacer.offDuty(day + 2000)).toBeNull();
    pacer.onSubmitted(day + 3000);
    expect(pacer.offDuty(day + 4000)).toBe('daily_limit');
    expect(pacer.offDuty(day + 24 * 3600_000)).toBeNull();
  });

  it('works only inside its working hours, also across midnight', () => {
    const at = (hhmm: string) => Date.parse(`2026-11-23T${hhmm}:00Z`);
    const day = new AccountPacer(config({ workingHours: { start: 8 * 60, end: 22 * 60 } }));
    expect(day.offDuty(at('07:59'))).toBe('working_hours');
    expect(day.offDuty(at('08:00'))).toBeNull();
    expect(day.offDuty(at('22:00'))).toBe('working_hours');
    const night = new AccountPacer(config({ workingHours: { start: 22 * 60, end: 6 * 60 } }));
    expect(night.offDuty(at('23:30'))).toBeNull();
    expect(night.offDuty(at('05:59'))).toBeNull();
    expect(night.offDuty(at('12:00'))).toBe('working_hours');
  });

  it('holds back the pull of a busier or lighter-weighted account so the idle ones pull first', () => {
    const even = new AccountPacer(config({ maxRunning: 4 }));
    expect(even.staggerMs(0)).toBe(0);
    expect(even.staggerMs(2)).toBeLessThan(even.staggerMs(3));
    const heavy = new AccountPacer(config({ maxRunning: 4, weight: 2 }));
    expect(heavy.staggerMs(2)).toBe(even.staggerMs(2) / 2);
  });

  it('cools down after a 429 for the longer of Retry-After and the growing penalty, and decays on success', () => {
    const pacer = new AccountPacer(config({ minSubmitGapMs: 0, rateLimitPenaltyMs: 5_000 }));
    pacer.onRateLimited(new ProviderException('RATE_LIMITED', 'slow down', undefined, { retryAfterMs: 20_000 }), 0);
    expect(pacer.coolingDown(19_999)).toBe(true);
    expect(pacer.waitMs(0)).toBe(20_000);
    pacer.onRateLimited(new ProviderException('RATE_LIMITED', 'again'), 0);
    expect(pacer.penaltyMs).toBe(10_000);
    expect(pacer.waitMs(0)).toBe(10_000);
    pacer.onSuccess();
    expect(pacer.penaltyMs).toBe(5_000);
    pacer.onSuccess();
    pacer.onSuccess();
    expect(pacer.penaltyMs).toBe(1_250);
  });

  it('caps the penalty at five minutes', () => {
    const pacer = new AccountPacer(config({ rateLimitPenaltyMs: 60_000 }));
    for (let i = 0; i < 20; i++) pacer.onRateLimited(new ProviderException('RATE_LIMITED', 'x'), 0);
    expect(pacer.penaltyMs).toBe(300_000);
  });
});

describe('nextPollDelay', () => {
  const cfg = config({ pollMinMs: 250, pollMaxMs: 5_000, heartbeatMs: 15_000, firstPollFraction: 0.3 });
  const submittedAt = 1_000_000;
  const state = (over: Partial<InflightState> = {}): InflightState => ({
    job: {
      jobId: 'j',
      provider: 'midjourney',
      operation: 'imagine',
      input: {},
      deadlineAt: '',
      createdAt: '',
    },
    account: 'default',
    phase: 'submitted',
    submission: { providerJobId: 'p', expectedCount: 4, kind: 'image', expectedDurationMs: 20_000 },
    stored: [],
    seq: 1,
    polls: 0,
    pollErrors: 0,
    submittedAt: new Date(submittedAt).toISOString(),
    updatedAt: new Date(submittedAt).toISOString(),
    ...over,
  });
  const running = (progress: number): PollOutcome => ({ state: 'running', progress, ready: [] });

  it('polls first at a fraction of the expected render time', () => {
    expect(nextPollDelay(state(), undefined, cfg, submittedAt)).toBe(6_000);
  });

  it('aims early while far from the finish the progress predicts', () => {
    // 25 % after 5 s: 15 s left; aim at 70 % of it.
    expect(nextPollDelay(state(), running(25), cfg, submittedAt + 5_000)).toBe(10_500);
  });

  it('polls just after the latest possible finish once close to it', () => {
    // 90 % after 18 s (floored): done by 20 s at the latest; poll 2 s + a small margin later.
    const delay = nextPollDelay(state(), running(90), cfg, submittedAt + 18_000);
    expect(delay).toBeGreaterThan(2_000);
    expect(delay).toBeLessThan(2_200);
  });

  it('never waits longer than the heartbeat, nor less than the minimum', () => {
    expect(nextPollDelay(state(), running(1), cfg, submittedAt + 1_000)).toBe(15_000);
    expect(nextPollDelay(state(), { state: 'running', ready: [], retryAfterMs: 10 }, cfg, submittedAt)).toBe(250);
    expect(nextPollDelay(state(), { state: 'running', ready: [], retryAfterMs: 60_000 }, cfg, submittedAt)).toBe(
      15_000,
    );
  });

  it('backs off geometrically once overdue, up to the maximum', () => {
    const overdue = (n: number) =>
      nextPollDelay(state({ overduePolls: n }), { state: 'running', ready: [] }, cfg, submittedAt + 30_000);
    expect(overdue(0)).toBe(250);
    expect(overdue(1)).toBe(375);
    expect(overdue(2)).toBe(563);
    expect(overdue(20)).toBe(5_000);
  });

  it('polls quickly while waiting for a submission to be known', () => {
    expect(nextPollDelay(state({ submission: undefined }), undefined, cfg, submittedAt)).toBe(250);
  });
});

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 60_000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(20, 1000, 60_000)).toBe(60_000);
    expect(backoffMs(0, 1000, 60_000)).toBe(1000);
  });
});
