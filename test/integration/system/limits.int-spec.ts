import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

/**
 * Per-key limits with two gateway replicas on one Postgres database: the counters live there, so a key's
 * requests per minute and its open streams are one pool whichever replica a request reaches.
 */
describe('per-key limits shared by two gateway replicas', () => {
  let system: TestSystem;
  let a: string;
  let b: string;

  beforeAll(async () => {
    system = await new TestSystem({ worker: false, database: 'postgres', databasePrefix: 'gw_limits' }).start();
    a = system.gatewayUrl;
    b = (await system.startGatewayReplica()).url;
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('logs JSON lines and never the bootstrap key', () => {
    const output = system.gateway!.output();
    expect(output).not.toContain(system.apiKey);
    for (const line of output.split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  const createKey = async (limits: Record<string, number | null>) => {
    const res = await system.api('POST', '/v1/admin/keys', { name: 'limited', scopes: ['midjourney'], limits });
    expect(res.status).toBe(201);
    expect(res.body.limits).toEqual({
      requests_per_minute: null,
      jobs_per_day: null,
      concurrent_jobs: null,
      concurrent_streams: null,
      ...limits,
    });
    return { id: res.body.id as string, key: res.body.key as string };
  };

  const call = (base: string, key: string, path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { 'x-api-key': key, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });

  it('counts requests per minute of a key across both replicas, with the IETF headers and a 429', async () => {
    const { key } = await createKey({ requests_per_minute: 4 });
    const answers = [];
    for (const base of [a, b, a, b]) answers.push(await call(base, key, '/v1/jobs'));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((r) => r.headers.get('ratelimit-policy'))).toEqual(Array(4).fill('"minute";q=4;w=60'));
    expect(answers.map((r) => /r=(\d+)/.exec(r.headers.get('ratelimit') ?? '')?.[1])).toEqual(['3', '2', '1', '0']);

    for (const base of [a, b]) {
      const refused = await call(base, key, '/v1/jobs');
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('ratelimit-policy')).toBe('"minute";q=4;w=60');
      expect(refused.headers.get('ratelimit')).toMatch(/^"minute";r=0;t=\d+$/);
    }
    // Another key has a window of its own.
    const other = await createKey({ requests_per_minute: 4 });
    expect((await call(b, other.key, '/v1/jobs')).status).toBe(200);
  });

  it('counts open SSE streams of a key across both replicas and frees a slot when a stream closes', async () => {
    const { key } = await createKey({ concurrent_streams: 2 });
    const created = await call(a, key, '/v1/midjourney/imagine', {
      method: 'POST',
      body: JSON.stringify({ prompt: 'a lighthouse' }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const streams: AbortController[] = [];
    const open = async (base: string) => {
      const abort = new AbortController();
      const res = await call(base, key, `/v1/jobs/${id}/events`, { signal: abort.signal });
      if (res.status === 200) {
        streams.push(abort);
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        expect(first).toContain('event: job');
      }
      return res;
    };
    try {
      expect((await open(a)).status).toBe(200);
      expect((await open(b)).status).toBe(200);
      for (const base of [a, b]) {
        const refused = await open(base);
        expect(refused.status).toBe(429);
        expect(await refused.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
        // Both policies: the default per-minute one (600) and the quota that refused.
        expect(refused.headers.get('ratelimit-policy')).toBe('"minute";q=600;w=60, "concurrent-streams";q=2');
        expect(refused.headers.get('ratelimit')).toMatch(/^"minute";r=\d+;t=\d+, "concurrent-streams";r=0$/);
      }
      // The stream on replica A ends; its slot is free for a stream on replica B.
      streams.shift()!.abort();
      await waitFor('a freed stream slot', async () => ((await open(b)).status === 200 ? true : undefined), 10_000);
    } finally {
      for (const stream of streams) stream.abort();
    }
  });

  it('counts open jobs of a key across both replicas', async () => {
    const { key } = await createKey({ concurrent_jobs: 1 });
    const submit = (base: string) =>
      call(base, key, '/v1/midjourney/imagine', { method: 'POST', body: JSON.stringify({ prompt: 'a fox' }) });
    const first = await submit(a);
    expect(first.status).toBe(202);
    const refused = await submit(b);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
    expect(refused.headers.get('ratelimit-policy')).toBe('"minute";q=600;w=60, "concurrent-jobs";q=1');
    const { id } = (await first.json()) as { id: string };
    expect((await call(b, key, `/v1/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    expect((await submit(b)).status).toBe(202);
  });

  it('changes the limits of a key through PATCH /v1/admin/keys/{id}', async () => {
    const { id, key } = await createKey({ requests_per_minute: 1 });
    expect((await call(b, key, '/v1/jobs')).status).toBe(200); // replica B has the key cached from here on
    expect((await call(a, key, '/v1/jobs')).status).toBe(429);
    const patched = await system.api('PATCH', `/v1/admin/keys/${id}`, {
      limits: { requests_per_minute: 100, jobs_per_day: 7 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.limits).toEqual({
      requests_per_minute: 100,
      jobs_per_day: 7,
      concurrent_jobs: null,
      concurrent_streams: null,
    });
    expect((await call(a, key, '/v1/jobs')).status).toBe(200);
    // Replica B forgets its cached copy when A announces the change (well before the cache's 30 s).
    await waitFor(
      'replica B to apply the new limit',
      async () => ((await call(b, key, '/v1/jobs')).status === 200 ? true : undefined),
      10_000,
    );
    const zero = await system.api('PATCH', `/v1/admin/keys/${id}`, { limits: { concurrent_jobs: 0 } });
    expect(zero.status).toBe(400);
    expect(zero.body.error.code).toBe('INVALID_REQUEST');
    const listed = await system.api('GET', '/v1/admin/keys');
    expect(listed.body.data.find((k: { id: string }) => k.id === id).limits.jobs_per_day).toBe(7);
  });
});
