import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MidjourneyState, type MjJob, type SimTiming } from './midjourney-state.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const timing = (over: Partial<SimTiming> = {}): SimTiming => ({
  speed: 1,
  jitter: 0,
  runningLimit: 3,
  staggerMs: 500,
  tokenLifetimeS: 3600,
  ...over,
});

const job = (over: Partial<MjJob> = {}): MjJob => ({
  job_id: 'j1',
  account: 'default',
  prompt: 'x --v 7',
  echo: 'x --v 7.0',
  mode: 'fast',
  kind: 'image',
  width: 1024,
  height: 1024,
  batchSize: 4,
  submittedAt: T0,
  completesAt: T0 + 10_000,
  statusRequests: 0,
  cdnRequests: 0,
  isQueued: false,
  ...over,
});

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

let mj: MidjourneyState;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  mj = new MidjourneyState(timing());
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('accounts and tokens', () => {
  it('starts with a default account whose id is a UUID', () => {
    expect([...mj.accounts.keys()]).toEqual(['default']);
    expect(mj.account('default').userId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('creates an account once per name and gives each its own id and tokens', () => {
    const second = mj.account('second');
    expect(mj.account('second')).toBe(second);
    expect(second.userId).not.toBe(mj.account('default').userId);
    expect(second.idToken).not.toBe(mj.account('default').idToken);
    expect(second.revoked).toBe(false);
  });

  it('issues a JWT-shaped id token whose payload names the user and its expiry', () => {
    const account = mj.account('default');
    const parts = account.idToken.split('.');
    expect(parts).toHaveLength(3);
    expect(JSON.parse(Buffer.from(parts[0], 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(claims(account.idToken)).toEqual({ user_id: account.userId, sub: account.userId, exp: T0 / 1000 + 3600 });
    expect(account.idTokenExp).toBe(T0 / 1000 + 3600);
  });

  it('finds an account by its id token until the token expires', () => {
    const account = mj.account('default');
    vi.setSystemTime(T0 + 3_599_000);
    expect(mj.byIdToken(account.idToken)).toBe(account);
    vi.setSystemTime(T0 + 3_600_000);
    expect(mj.byIdToken(account.idToken)).toBeUndefined();
  });

  it('honours the configured token lifetime', () => {
    const short = new MidjourneyState(timing({ tokenLifetimeS: 60 }));
    const token = short.account('default').idToken;
    vi.setSystemTime(T0 + 59_000);
    expect(short.byIdToken(token)).toBeDefined();
    vi.setSystemTime(T0 + 61_000);
    expect(short.byIdToken(token)).toBeUndefined();
  });

  it('rotates both tokens: the old ones stop working, the new ones work, expiry moves on', () => {
    const account = mj.account('default');
    const { idToken, refreshToken } = account;
    vi.setSystemTime(T0 + 1_800_000);
    mj.rotate(account);
    expect(account.idToken).not.toBe(idToken);
    expect(account.refreshToken).not.toBe(refreshToken);
    expect(mj.byIdToken(idToken)).toBeUndefined();
    expect(mj.byRefreshToken(refreshToken)).toBeUndefined();
    expect(mj.byIdToken(account.idToken)).toBe(account);
    expect(mj.byRefreshToken(account.refreshToken)).toBe(account);
    expect(claims(account.idToken).exp).toBe((T0 + 1_800_000) / 1000 + 3600);
  });

  it('finds the right account among several and nothing for missing or unknown tokens', () => {
    const a = mj.account('a');
    const b = mj.account('b');
    expect(mj.byIdToken(b.idToken)).toBe(b);
    expect(mj.byRefreshToken(a.refreshToken)).toBe(a);
    expect(mj.byIdToken(undefined)).toBeUndefined();
    expect(mj.byIdToken('')).toBeUndefined();
    expect(mj.byRefreshToken(undefined)).toBeUndefined();
    expect(mj.byRefreshToken('nope')).toBeUndefined();
  });
});

describe('render time', () => {
  it.each([
    ['fast', 'image', 30_000],
    ['relax', 'image', 60_000],
    ['relaxed', 'image', 60_000],
    ['turbo', 'image', 15_000],
    ['unknown', 'image', 30_000],
    ['fast', 'video', 45_000],
    ['relax', 'video', 90_000],
  ] as const)('%s %s takes %i ms at speed 1', (mode, kind, ms) => {
    expect(mj.renderMs(mode, kind)).toBe(ms);
  });

  it('scales with speed but never drops below 50 ms', () => {
    expect(new MidjourneyState(timing({ speed: 0.01 })).renderMs('fast', 'image')).toBe(300);
    expect(new MidjourneyState(timing({ speed: 0.0001 })).renderMs('turbo', 'image')).toBe(50);
  });

  it('spreads by ± jitter around the base', () => {
    const jittery = new MidjourneyState(timing({ jitter: 0.2 }));
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValue(0);
    expect(jittery.renderMs('fast', 'image')).toBeCloseTo(24_000);
    random.mockReturnValue(0.5);
    expect(jittery.renderMs('fast', 'image')).toBeCloseTo(30_000);
    random.mockReturnValue(0.999_999);
    expect(jittery.renderMs('fast', 'image')).toBeCloseTo(36_000, 0);
  });

  it('does not consult randomness without jitter', () => {
    const random = vi.spyOn(Math, 'random');
    mj.renderMs('fast', 'image');
    expect(random).not.toHaveBeenCalled();
  });
});

describe('job lifecycle over time', () => {
  it('runs with rising progress, then completes at completesAt', () => {
    const j = job();
    const seen = [0, 2_500, 5_000, 9_999].map((dt) => {
      vi.setSystemTime(T0 + dt);
      return [mj.state(j), mj.progress(j)];
    });
    expect(seen).toEqual([
      ['running', 0],
      ['running', 25],
      ['running', 50],
      ['running', 99],
    ]);
    expect(j.completedAt).toBeUndefined();
    vi.setSystemTime(T0 + 10_000);
    expect(mj.state(j)).toBe('completed');
    expect(mj.progress(j)).toBe(100);
    expect(j.completedAt).toBe(T0 + 10_000);
  });

  it('keeps the first completion time when looked at later', () => {
    const j = job();
    mj.state(j, T0 + 10_500);
    mj.state(j, T0 + 99_000);
    expect(j.completedAt).toBe(T0 + 10_000);
  });

  it('handles renders of 1 ms and 0 ms without dividing by zero', () => {
    const instant = job({ completesAt: T0 + 1 });
    expect(mj.progress(instant, T0)).toBe(0);
    const same = job({ completesAt: T0 });
    expect(mj.state(same, T0)).toBe('completed');
  });

  it('a failing job runs until completesAt, then ends failed at full progress', () => {
    const j = job({ marker: 'fail' });
    expect(mj.state(j, T0 + 9_000)).toBe('running');
    expect(mj.progress(j, T0 + 9_000)).toBe(90);
    expect(mj.state(j, T0 + 10_000)).toBe('failed');
    expect(mj.progress(j, T0 + 10_000)).toBe(100);
    expect(mj.cellReady(j, 0, T0 + 60_000)).toBe(false);
    expect(j.completedAt).toBeUndefined();
  });

  it('moderates a job halfway through its render: accepted, running, then moderated with no file', () => {
    const j = job({ marker: 'moderated' });
    expect(mj.state(j, T0 + 4_999)).toBe('running');
    expect(mj.progress(j, T0 + 4_999)).toBe(49);
    expect(mj.state(j, T0 + 5_000)).toBe('moderated');
    expect(mj.progress(j, T0 + 5_000)).toBe(50); // frozen where moderation struck
    expect(mj.state(j, T0 + 60_000)).toBe('moderated');
    expect(mj.cellReady(j, 0, T0 + 60_000)).toBe(false);
    expect(j.completedAt).toBeUndefined();
  });

  it('keeps a stuck job running at 42 % forever', () => {
    const j = job({ marker: 'stuck' });
    for (const dt of [0, 10_000, 3_600_000]) {
      expect(mj.state(j, T0 + dt)).toBe('running');
      expect(mj.progress(j, T0 + dt)).toBe(42);
    }
  });

  it('describes a job with its state and progress at the time asked', () => {
    const j = job();
    expect(mj.describe(j, T0 + 3_000)).toEqual({ ...j, state: 'running', progress: 30 });
  });
});

describe('CDN cells', () => {
  it('releases the cells one stagger apart after completion', () => {
    const j = job();
    const ready = (dt: number) => [0, 1, 2, 3].map((i) => mj.cellReady(j, i, T0 + dt));
    expect(ready(9_999)).toEqual([false, false, false, false]);
    expect(ready(10_000)).toEqual([true, false, false, false]);
    expect(ready(10_500)).toEqual([true, true, false, false]);
    expect(ready(10_999)).toEqual([true, true, false, false]);
    expect(ready(11_000)).toEqual([true, true, true, false]);
    expect(ready(11_500)).toEqual([true, true, true, true]);
  });

  it('never releases cells beyond the batch size', () => {
    const j = job({ batchSize: 2 });
    expect([0, 1, 2, 3].map((i) => mj.cellReady(j, i, T0 + 60_000))).toEqual([true, true, false, false]);
  });

  it('uses the clock when no time is given', () => {
    const j = job();
    expect(mj.cellReady(j, 0)).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(mj.cellReady(j, 0)).toBe(true);
  });
});

describe('bookkeeping', () => {
  it('counts running jobs per account only', () => {
    mj.jobs.set('a', job({ job_id: 'a' }));
    mj.jobs.set('b', job({ job_id: 'b', completesAt: T0 + 1_000 }));
    mj.jobs.set('c', job({ job_id: 'c', marker: 'stuck' }));
    mj.jobs.set('d', job({ job_id: 'd', account: 'other' }));
    expect(mj.running('default', T0 + 500)).toBe(3);
    expect(mj.running('default', T0 + 5_000)).toBe(2);
    expect(mj.running('default', T0 + 50_000)).toBe(1);
    expect(mj.running('other', T0 + 500)).toBe(1);
    expect(mj.running('nobody', T0)).toBe(0);
  });

  it('counts requests per endpoint', () => {
    mj.count('submit');
    mj.count('status');
    mj.count('status');
    expect(mj.requests).toEqual({ submit: 1, status: 2 });
  });

  it('resets jobs, uploads and counters but keeps the accounts and their sessions', () => {
    const account = mj.account('second');
    const token = account.idToken;
    mj.jobs.set('a', job());
    mj.uploads.set('u', { code: 'u', bucketPathname: 'p', bytes: Buffer.from('x'), contentType: 'image/png' });
    mj.submits = 5;
    mj.count('submit');
    mj.reset();
    expect(mj.jobs.size).toBe(0);
    expect(mj.uploads.size).toBe(0);
    expect(mj.submits).toBe(0);
    expect(mj.requests).toEqual({});
    expect(mj.byIdToken(token)).toBe(account);
  });
});
