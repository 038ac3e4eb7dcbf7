import { beforeEach, describe, expect, it } from 'vitest';
import { CHALLENGE_HTML, FAULTS, FaultRegistry, type Fault } from './faults.js';

const MJ = 'midjourney';
let registry: FaultRegistry;

beforeEach(() => {
  registry = new FaultRegistry();
});

describe('arming', () => {
  it('accepts every documented fault name', () => {
    for (const fault of FAULTS) registry.add({ provider: MJ, fault });
    expect(registry.list().map((f) => f.fault)).toEqual([...FAULTS]);
  });

  it('stores a copy, so the caller cannot change an armed fault afterwards', () => {
    const fault: Fault = { provider: MJ, fault: 'rate_limit', times: 1 };
    registry.add(fault);
    fault.times = 100;
    fault.endpoint = 'cdn';
    expect(registry.list()).toEqual([{ provider: MJ, fault: 'rate_limit', times: 1 }]);
  });

  it('keeps nothing from a refused fault', () => {
    expect(() => registry.add({ provider: MJ, fault: 'RATE_LIMIT' as never })).toThrow(/unknown fault RATE_LIMIT/);
    expect(registry.list()).toEqual([]);
  });

  it('lists a snapshot that later arming does not change', () => {
    registry.add({ provider: MJ, fault: 'stuck' });
    const snapshot = registry.list();
    registry.add({ provider: MJ, fault: 'softban' });
    expect(snapshot).toHaveLength(1);
    expect(registry.list()).toHaveLength(2);
  });
});

describe('counts', () => {
  it('counts down in the listing as it fires', () => {
    registry.add({ provider: MJ, fault: 'server_error', times: 3 });
    registry.take(MJ, 'submit', undefined, ['server_error']);
    expect(registry.list()[0].times).toBe(2);
  });

  it('fires an uncounted fault on every request and keeps it armed', () => {
    registry.add({ provider: MJ, fault: 'challenge' });
    for (let i = 0; i < 25; i++) expect(registry.take(MJ, 'page', 'default', ['challenge'])).toBeDefined();
    expect(registry.list()).toHaveLength(1);
  });

  it('removes only the spent fault, keeping those armed around it', () => {
    registry.add({ provider: MJ, fault: 'stuck' });
    registry.add({ provider: MJ, fault: 'moderation', times: 1 });
    registry.add({ provider: MJ, fault: 'softban' });
    expect(registry.take(MJ, 'submit', undefined, ['moderation'])?.fault).toBe('moderation');
    expect(registry.list().map((f) => f.fault)).toEqual(['stuck', 'softban']);
  });

  it('does not spend a count when has() looks or take() finds nothing', () => {
    registry.add({ provider: MJ, fault: 'queue_full', endpoint: 'submit', times: 1 });
    expect(registry.has(MJ, 'submit', undefined, 'queue_full')).toBe(true);
    expect(registry.take(MJ, 'status', undefined, ['queue_full'])).toBeUndefined();
    expect(registry.take(MJ, 'submit', undefined, ['softban'])).toBeUndefined();
    expect(registry.list()[0].times).toBe(1);
  });

  it('never fires a fault armed with times: 0', () => {
    registry.add({ provider: MJ, fault: 'rate_limit', times: 0 });
    expect(registry.take(MJ, 'submit', undefined, ['rate_limit'])).toBeUndefined();
    expect(registry.list()).toEqual([]);
  });
});

describe('matching', () => {
  it('fires the first armed of several matching faults', () => {
    registry.add({ provider: MJ, fault: 'rate_limit', times: 1 });
    registry.add({ provider: MJ, fault: 'server_error', times: 1 });
    const names = ['server_error', 'rate_limit'] as const;
    expect(registry.take(MJ, 'submit', undefined, names)?.fault).toBe('rate_limit');
    expect(registry.take(MJ, 'submit', undefined, names)?.fault).toBe('server_error');
    expect(registry.take(MJ, 'submit', undefined, names)).toBeUndefined();
  });

  it('skips a fault for another endpoint and fires the next one that matches', () => {
    registry.add({ provider: MJ, fault: 'server_error', endpoint: 'cdn', times: 1 });
    registry.add({ provider: MJ, fault: 'server_error', endpoint: 'submit', times: 1 });
    expect(registry.take(MJ, 'submit', undefined, ['server_error'])?.endpoint).toBe('submit');
    expect(registry.list().map((f) => f.endpoint)).toEqual(['cdn']);
  });

  const endpoints = ['submit', 'status', 'upload', 'refresh', 'cdn', 'page'];

  it.each<[string | undefined, string[]]>([
    [undefined, endpoints],
    ['any', endpoints],
    ['api', ['submit', 'status', 'upload', 'refresh']],
    ['cdn', ['cdn']],
    ['page', ['page']],
    ['status', ['status']],
  ])('a fault for endpoint %s covers %j', (endpoint, covered) => {
    registry.add({ provider: MJ, fault: 'server_error', endpoint });
    expect(endpoints.filter((e) => registry.has(MJ, e, 'default', 'server_error'))).toEqual(covered);
  });

  it('applies a fault without an account to every account', () => {
    registry.add({ provider: MJ, fault: 'unauthorized' });
    expect(['default', 'second', undefined].map((a) => registry.has(MJ, 'status', a, 'unauthorized'))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('applies an account’s fault to that account and to requests that name none (the CDN)', () => {
    registry.add({ provider: MJ, fault: 'slow_cdn', account: 'second' });
    expect(registry.has(MJ, 'cdn', 'second', 'slow_cdn')).toBe(true);
    expect(registry.has(MJ, 'cdn', undefined, 'slow_cdn')).toBe(true);
    expect(registry.has(MJ, 'cdn', 'default', 'slow_cdn')).toBe(false);
  });

  it('keeps providers apart', () => {
    registry.add({ provider: 'ideogram', fault: 'rate_limit', times: 1 });
    expect(registry.take(MJ, 'submit', undefined, ['rate_limit'])).toBeUndefined();
    expect(registry.take('ideogram', 'submit', undefined, ['rate_limit'])).toBeDefined();
  });

  it('fires challenge_once once when no count is given, and as often as asked otherwise', () => {
    registry.add({ provider: MJ, fault: 'challenge_once', endpoint: 'page' });
    expect(registry.take(MJ, 'page', undefined, ['challenge_once'])).toBeDefined();
    expect(registry.take(MJ, 'page', undefined, ['challenge_once'])).toBeUndefined();
    registry.add({ provider: MJ, fault: 'challenge_once', endpoint: 'page', times: 2 });
    expect(registry.take(MJ, 'page', undefined, ['challenge_once'])).toBeDefined();
    expect(registry.take(MJ, 'page', undefined, ['challenge_once'])).toBeDefined();
    expect(registry.take(MJ, 'page', undefined, ['challenge_once'])).toBeUndefined();
  });

  it('takes only faults the filter accepts, leaving the others armed', () => {
    registry.add({ provider: MJ, fault: 'latency', endpoint: 'submit', stage: 'after', latencyMs: 100, times: 1 });
    const before = (f: { stage?: string }) => f.stage !== 'after';
    expect(registry.take(MJ, 'submit', undefined, ['latency'], before)).toBeUndefined();
    expect(registry.take(MJ, 'submit', undefined, ['latency'])?.stage).toBe('after');
    expect(registry.list()).toEqual([]);
  });

  it('hands back the latency of the fault that fired', () => {
    registry.add({ provider: MJ, fault: 'slow_cdn', endpoint: 'cdn', latencyMs: 2500 });
    expect(registry.take(MJ, 'cdn', undefined, ['slow_cdn'])?.latencyMs).toBe(2500);
  });
});

describe('CHALLENGE_HTML', () => {
  it('carries the markers of a Cloudflare interstitial that clients detect', () => {
    expect(CHALLENGE_HTML).toContain('<title>Just a moment...</title>');
    expect(CHALLENGE_HTML).toContain('id="challenge-platform"');
    expect(CHALLENGE_HTML).toContain('_cf_chl_opt');
    expect(CHALLENGE_HTML).toContain('/cdn-cgi/challenge-platform/');
  });
});
