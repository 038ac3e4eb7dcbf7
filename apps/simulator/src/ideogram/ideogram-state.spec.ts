import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdeogramState, type IdeoTiming } from './ideogram-state.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const timing = (over: Partial<IdeoTiming> = {}): IdeoTiming => ({
  speed: 1,
  jitter: 0,
  maxInflight: 1,
  tokenLifetimeS: 3600,
  requireBearer: false,
  ...over,
});

let ideo: IdeogramState;

const request = (over: Partial<Parameters<IdeogramState['createRequest']>[0]> = {}) =>
  ideo.createRequest({
    account: 'default',
    type: 'GENERATE',
    prompt: 'a fox',
    parent: null,
    numImages: 2,
    width: 1024,
    height: 1024,
    modelVersion: 'V_3_0',
    magicPrompt: 'ON',
    styleExpert: 'AUTO',
    durationMs: 10_000,
    ...over,
  });

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  ideo = new IdeogramState(timing());
});

afterEach(() => {
  vi.useRealTimers();
});

describe('accounts and tokens', () => {
  it('gives every account its own user id, org id and session', () => {
    const a = ideo.account('default');
    const b = ideo.account('second');
    expect(ideo.account('second')).toBe(b);
    expect(a.userId).not.toBe(b.userId);
    expect(a.orgId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.session).not.toBe(b.session);
    expect(ideo.bySession(b.session)).toBe(b);
    expect(ideo.bySession('nope')).toBeUndefined();
  });

  it('issues tokens valid for the configured lifetime, several at once, and expires them on demand', () => {
    const account = ideo.account('default');
    const first = ideo.issueToken(account);
    const second = ideo.issueToken(account);
    expect(first.expiresAt).toBe(T0 + 3600_000);
    expect(ideo.checkToken(first.token)).toEqual({ state: 'valid', account });
    expect(ideo.checkToken(second.token).state).toBe('valid');
    expect(ideo.checkToken('unknown').state).toBe('unknown');

    vi.setSystemTime(T0 + 3600_000);
    expect(ideo.checkToken(first.token).state).toBe('expired');

    const third = ideo.issueToken(account);
    ideo.expireTokens(account);
    expect(ideo.checkToken(third.token)).toEqual({ state: 'expired', account });
  });

  it('rotates the refresh token with every issue', () => {
    const account = ideo.account('default');
    const before = account.refreshToken;
    ideo.issueToken(account);
    expect(account.refreshToken).not.toBe(before);
    expect(ideo.byRefreshToken(account.refreshToken)).toBe(account);
    expect(ideo.byRefreshToken(before)).toBeUndefined();
  });
});

describe('request progress', () => {
  it('starts, climbs, holds at 99 and completes with its responses only at the end', () => {
    const r = request();
    expect(ideo.view(r)).toMatchObject({ has_started: false, completion_percentage: 0, is_completed: false });
    vi.setSystemTime(T0 + 1_000);
    const early = ideo.view(r);
    expect(early.has_started).toBe(true);
    expect(early.completion_percentage).toBeGreaterThanOrEqual(8);
    vi.setSystemTime(T0 + 5_000);
    const mid = ideo.view(r).completion_percentage;
    expect(mid).toBeGreaterThan(early.completion_percentage);
    expect(mid).toBeLessThan(99);
    vi.setSystemTime(T0 + 9_000);
    expect(ideo.view(r)).toMatchObject({ completion_percentage: 99, is_completed: false });
    expect(r.responseIds).toEqual([]);
    vi.setSystemTime(T0 + 10_000);
    expect(ideo.view(r)).toMatchObject({ completion_percentage: 100, is_completed: true, is_errored: false });
    expect(r.responseIds).toHaveLength(2);
    const ids = [...r.responseIds];
    ideo.view(r);
    expect(r.responseIds).toEqual(ids); // stable across polls
    expect(ideo.assets.get(ids[1])).toMatchObject({ requestId: r.request_id, index: 1, width: 1024 });
  });

  it('never completes a stuck request and holds it at 99', () => {
    const r = request({ marker: 'stuck' });
    vi.setSystemTime(T0 + 1_000_000);
    expect(ideo.view(r)).toMatchObject({ completion_percentage: 99, is_completed: false, is_errored: false });
  });

  it('errors half way with the reason', () => {
    const r = request({ marker: 'errored', errorReason: 'flagged' });
    vi.setSystemTime(T0 + 4_000);
    expect(ideo.view(r).is_errored).toBe(false);
    vi.setSystemTime(T0 + 5_000);
    expect(ideo.view(r)).toMatchObject({ is_errored: true, error_reason: 'flagged', is_completed: false });
    vi.setSystemTime(T0 + 20_000);
    expect(ideo.view(r).is_completed).toBe(false);
    expect(r.responseIds).toEqual([]);
  });

  it('counts in-flight requests per account until they end', () => {
    request();
    request({ account: 'other' });
    request({ marker: 'errored', durationMs: 2_000 });
    expect(ideo.inflight('default')).toBe(2);
    vi.setSystemTime(T0 + 1_000);
    expect(ideo.inflight('default')).toBe(1);
    vi.setSystemTime(T0 + 10_000);
    expect(ideo.inflight('default')).toBe(0);
    expect(ideo.submits).toBe(3);
  });

  it('spends credits when an account has a limited plan', () => {
    ideo.account('default').credits = 3;
    request({ numImages: 2 });
    expect(ideo.account('default').credits).toBe(1);
    request({ numImages: 4 });
    expect(ideo.account('default').credits).toBe(0);
  });

  it('scales durations by the speed factor, never below 20 ms', () => {
    ideo.timing.speed = 0.5;
    expect(ideo.scaled(60_000)).toBe(30_000);
    ideo.timing.speed = 0.0001;
    expect(ideo.scaled(60_000)).toBe(20);
  });
});

describe('uploads and assets', () => {
  const png = (w: number, h: number) => {
    const bytes = Buffer.alloc(33);
    Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').copy(bytes);
    bytes.writeUInt32BE(w, 16);
    bytes.writeUInt32BE(h, 20);
    return bytes;
  };

  it('reads an upload’s size and captions the same bytes the same way', () => {
    const a = ideo.addUpload('default', png(640, 480), 'image/png');
    const b = ideo.addUpload('default', png(640, 480), 'image/png');
    const c = ideo.addUpload('default', png(100, 100), 'image/png');
    expect(a).toMatchObject({ width: 640, height: 480 });
    expect(ideo.caption(a)).toBe(ideo.caption(b));
    expect(ideo.caption(c)).not.toBe(ideo.caption(a));
    expect(ideo.addUpload('default', Buffer.from('jpeg?'), 'image/jpeg')).toMatchObject({ width: 1024 });
  });

  it('removes a background into a new asset of the same size', () => {
    const upload = ideo.addUpload('default', png(300, 200), 'image/png');
    const asset = ideo.removeBackground(upload);
    expect(ideo.assets.get(asset.id)).toMatchObject({ width: 300, height: 200, requestId: null });
  });

  it('forgets requests, uploads and counters on reset, keeping accounts', () => {
    request();
    ideo.addUpload('default', png(1, 1), 'image/png');
    ideo.account('default').credits = 0;
    ideo.reset();
    expect(ideo.requests.size + ideo.uploads.size + ideo.submits).toBe(0);
    expect(ideo.account('default').credits).toBeNull();
  });
});
