import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

// The gateway's HTTP contract as a client sees it, with the real process, real NATS and PGlite, but no worker: every
// protected route refuses missing/bad/expired/revoked keys and out-of-scope keys, bad input gets a stable 4xx code,
// and accepted work waits durably in JetStream.
const WEBHOOK_SECRET = 'whsec_test_only';
const JOB_ID = '5f0c6d2e-8a8b-4c1e-9d55-3c2b1a0f9e77';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('gateway HTTP contract', () => {
  const system = new TestSystem({
    worker: false,
    // No worker: the original genimage/genvideo routes answer after a 1 s wait for Midjourney's acceptance.
    gatewayEnv: {
      WEBHOOK_SECRET,
      RPC_TIMEOUT_MS: '500',
      BODY_LIMIT_BYTES: '65536',
      WEBHOOK_RETRY_DELAYS_MS: '0,0',
      MIDJOURNEY_COMPAT_SUBMIT_WAIT_SECONDS: '1',
    },
  });
  let hookServer: Server;
  let hookUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        // /flaky fails its first delivery, so the retry is exercised; /down fails every one.
        const first = received.filter((r) => r.body === body).length === 1;
        res.writeHead((req.url === '/flaky' && first) || req.url === '/down' ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const address = hookServer.address();
    hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
    await system.start();
  });

  afterAll(async () => {
    hookServer?.close();
    await system.stop();
  });

  const imagine = { prompt: 'a lighthouse at dusk' };
  const protectedRoutes: [string, string, unknown?][] = [
    ['POST', '/v1/midjourney/imagine', imagine],
    ['POST', '/v1/midjourney/video', { image_url: 'https://example.com/a.png' }],
    ['GET', '/v1/jobs'],
    ['GET', `/v1/jobs/${JOB_ID}`],
    ['POST', `/v1/jobs/${JOB_ID}/cancel`],
    ['GET', `/v1/jobs/${JOB_ID}/events`],
    ['GET', '/v1/admin/keys'],
    ['POST', '/v1/admin/keys', { name: 'x', scopes: ['midjourney'] }],
    ['DELETE', `/v1/admin/keys/${JOB_ID}`],
    ['POST', '/midjourney/init'],
    ['POST', '/midjourney/genimage', imagine],
    ['GET', '/midjourney/genimage?prompt=x'],
    ['POST', '/midjourney/genvideo', { image_url: 'https://example.com/a.png' }],
    ['GET', '/midjourney/genvideo?image_url=https://example.com/a.png'],
    ['GET', '/midjourney/status'],
    ['GET', '/midjourney/proxy-image?url=https://cdn.midjourney.com/a.png'],
    ['GET', '/files/midjourney/some/file.png'],
    ['GET', '/metrics'],
  ];

  const createKey = async (scopes: string[], expiresAt?: string) => {
    const res = await system.api('POST', '/v1/admin/keys', {
      name: `k-${scopes.join('-')}`,
      scopes,
      ...(expiresAt ? { expires_at: expiresAt } : {}),
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; prefix: string };
  };

  const expectError = (
    res: { status: number; body: any; text: string },
    status: number,
    code: string,
    path: string,
  ) => {
    expect(res.status, `${path}: ${res.text}`).toBe(status);
    if (path.startsWith('/midjourney')) {
      expect(res.body).toMatchObject({ success: false, code });
      expect(typeof res.body.error).toBe('string');
    } else {
      expect(res.body.error.code, res.text).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
    }
  };

  it('serves probes, /health and the OpenAPI document without a key', async () => {
    for (const path of ['/health/live', '/health/ready', '/health', '/', '/openapi.json']) {
      const res = await fetch(`${system.gatewayUrl}${path}`);
      expect(res.status, path).toBe(200);
    }
    const doc = (await (await fetch(`${system.gatewayUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/midjourney/imagine', '/v1/jobs/{id}', '/midjourney/genimage', '/', '/api/u']),
    );
    // The original Midjourney index: no worker here, so the service reads stopped, as the original's did.
    expect((await (await fetch(`${system.gatewayUrl}/`)).json()) as unknown).toMatchObject({
      message: 'Midjourney API Server',
      status: 'stopped',
    });
  });

  it('refuses every protected route without a key, with an unknown key and with a malformed header', async () => {
    for (const [method, path, body] of protectedRoutes) {
      const attempts: Record<string, string>[] = [
        { 'x-api-key': '' },
        { 'x-api-key': 'gw_nope_0000000000000000' },
        { 'x-api-key': '', authorization: 'Basic abc' },
        { 'x-api-key': '', authorization: 'Bearer ' },
      ];
      for (const headers of attempts) {
        const res = await system.api(method, path, body, headers);
        expectError(res, 401, 'UNAUTHENTICATED', path);
      }
    }
  });

  it('accepts the key as a Bearer token too', async () => {
    const res = await system.api('GET', '/v1/jobs', undefined, {
      'x-api-key': '',
      authorization: `Bearer ${system.apiKey}`,
    });
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.data)).toBe(true);
  });

  it('refuses an expired key and a revoked key at once', async () => {
    // A key cannot be created already expired; one that expires soon is refused from then on.
    const late = await system.api('POST', '/v1/admin/keys', {
      name: 'late',
      scopes: ['midjourney'],
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    expectError(late, 400, 'INVALID_REQUEST', '/v1/admin/keys');
    const expiring = await createKey(['midjourney'], new Date(Date.now() + 1000).toISOString());
    const expired = await waitFor(
      'the key to expire',
      async () => {
        const res = await system.api('GET', '/v1/jobs', undefined, { 'x-api-key': expiring.key });
        return res.status === 200 ? undefined : res;
      },
      10_000,
    );
    expectError(expired, 401, 'UNAUTHENTICATED', '/v1/jobs');

    const live = await createKey(['midjourney']);
    expect((await system.api('GET', '/v1/jobs', undefined, { 'x-api-key': live.key })).status).toBe(200);
    const revoked = await system.api('DELETE', `/v1/admin/keys/${live.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    for (const [method, path, body] of protectedRoutes) {
      expectError(await system.api(method, path, body, { 'x-api-key': live.key }), 401, 'UNAUTHENTICATED', path);
    }
    const listed = await system.api('GET', '/v1/admin/keys');
    const entry = listed.body.data.find((k: { id: string }) => k.id === live.id);
    expect(entry.revoked_at).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(live.key); // plaintext is shown once only
  });

  it('refuses out-of-scope keys with 403 on provider and admin routes', async () => {
    const ideogramOnly = await createKey(['ideogram']);
    const headers = { 'x-api-key': ideogramOnly.key };
    for (const [method, path, body] of protectedRoutes.filter(
      ([, p]) => p.includes('midjourney') && !p.startsWith('/files'),
    )) {
      expectError(await system.api(method, path, body, headers), 403, 'FORBIDDEN_SCOPE', path);
    }
    for (const [method, path, body] of protectedRoutes.filter(
      ([, p]) => p.startsWith('/v1/admin') || p === '/metrics',
    )) {
      expectError(await system.api(method, path, body, headers), 403, 'FORBIDDEN_SCOPE', path);
    }
    // Unsigned file reads: only the buckets of the key's providers (Midjourney's is product-designs).
    const file = '/files/product-designs/some/file.png';
    expectError(await system.api('GET', file, undefined, headers), 403, 'FORBIDDEN_SCOPE', file);
  });

  it('answers bad input with 4xx codes, never a 500', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/midjourney/imagine', {}, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/midjourney/imagine', { prompt: '' }, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/midjourney/imagine', { prompt: 'x', options: { ar: 'wide' } }, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/midjourney/imagine', { prompt: 'x', image_url: 'ftp://host/a.png' }, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/midjourney/imagine', { prompt: 'x', idea_id: 'not-a-uuid' }, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/midjourney/imagine', { prompt: 'x', timeout_seconds: 5 }, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/midjourney/video', { motion: 'high' }, 400, 'INVALID_REQUEST'],
      ['POST', '/midjourney/genimage', { prompt: 42 }, 400, 'INVALID_REQUEST'],
      ['GET', '/midjourney/genvideo', undefined, 400, 'INVALID_REQUEST'],
      ['GET', '/v1/jobs?limit=1000', undefined, 400, 'INVALID_REQUEST'],
      ['GET', '/v1/jobs?status=exploded', undefined, 400, 'INVALID_REQUEST'],
      ['GET', '/v1/jobs/not-a-uuid', undefined, 404, 'NOT_FOUND'],
      ['GET', `/v1/jobs/${JOB_ID}`, undefined, 404, 'NOT_FOUND'],
      ['POST', '/v1/admin/keys', { name: 'x', scopes: ['everything'] }, 400, 'INVALID_REQUEST'],
      ['DELETE', '/v1/admin/keys/not-a-uuid', undefined, 404, 'NOT_FOUND'],
      ['DELETE', `/v1/admin/keys/${JOB_ID}`, undefined, 404, 'NOT_FOUND'],
      ['GET', '/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
      ['GET', '/midjourney/proxy-image?url=https://evil.example.com/a.png', undefined, 403, 'FORBIDDEN_HOST'],
      ['GET', '/midjourney/proxy-image', undefined, 400, 'INVALID_REQUEST'],
    ];
    for (const [method, path, body, status, code] of cases) {
      expectError(await system.api(method, path, body), status, code, path);
    }
    const invalid = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'x', options: { ar: 'wide' } });
    expect(JSON.stringify(invalid.body.error.details)).toContain('ar'); // says which field

    const malformed = await fetch(`${system.gatewayUrl}/v1/midjourney/imagine`, {
      method: 'POST',
      headers: { 'x-api-key': system.apiKey, 'content-type': 'application/json' },
      body: '{"prompt": ',
    });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('INVALID_REQUEST');

    const xml = await fetch(`${system.gatewayUrl}/v1/midjourney/imagine`, {
      method: 'POST',
      headers: { 'x-api-key': system.apiKey, 'content-type': 'application/xml' },
      body: '<prompt/>',
    });
    expect(xml.status).toBe(415);
    expect((await xml.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const huge = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'x'.repeat(70_000) });
    expectError(huge, 413, 'PAYLOAD_TOO_LARGE', '/v1/midjourney/imagine');
  });

  it('answers compat routes that need the worker as the original did when no worker is up', async () => {
    expectError(await system.api('POST', '/midjourney/init'), 503, 'WORKER_UNAVAILABLE', '/midjourney/init');
    // The original's status route reports a stopped service with 200 rather than failing.
    const status = await system.api('GET', '/midjourney/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ success: false, isLoggedIn: false, status: 'stopped' });
  });

  it('queues work durably, replays Idempotency-Key and refuses its reuse with another body', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await system.api('POST', '/v1/midjourney/imagine', imagine, headers);
    expect(first.status).toBe(202);
    expect(first.headers.get('location')).toBe(`/v1/jobs/${first.body.id}`);
    expect(first.body).toMatchObject({ provider: 'midjourney', operation: 'imagine', status: 'pending' });

    const replay = await system.api('POST', '/v1/midjourney/imagine', imagine, headers);
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);

    const conflict = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'something else' }, headers);
    expectError(conflict, 409, 'IDEMPOTENCY_CONFLICT', '/v1/midjourney/imagine');

    // With no worker the job waits in JetStream, not in gateway memory: it is still pending after a restart.
    await system.stopGateway();
    await system.startGateway();
    const after = await system.api('GET', `/v1/jobs/${first.body.id}`);
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('pending');
  });

  it('shows jobs only to keys scoped for their provider, and pages through the list', async () => {
    const mine = await createKey(['midjourney']);
    const headers = { 'x-api-key': mine.key };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await system.api('POST', '/v1/midjourney/imagine', { prompt: `job ${i}` }, headers);
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    // Jobs belong to the team's provider, not to one key: another Midjourney key sees them, an Ideogram key does not.
    const colleague = await createKey(['midjourney']);
    expect((await system.api('GET', `/v1/jobs/${ids[0]}`, undefined, { 'x-api-key': colleague.key })).status).toBe(200);
    const other = await createKey(['ideogram']);
    expectError(
      await system.api('GET', `/v1/jobs/${ids[0]}`, undefined, { 'x-api-key': other.key }),
      404,
      'NOT_FOUND',
      '/v1/jobs',
    );
    expect((await system.api('GET', '/v1/jobs', undefined, { 'x-api-key': other.key })).body.data).toHaveLength(0);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: any } = await system.api(
        'GET',
        `/v1/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        undefined,
        headers,
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((j: { id: string }) => j.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length); // no job twice across pages
    // Newest first: the three just created lead, in reverse order.
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    const all = await system.api('GET', '/v1/jobs?limit=100', undefined, headers);
    expect(seen).toEqual(all.body.data.map((j: { id: string }) => j.id));
  });

  it('cancels a queued job once, and signs the webhook it fires', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', { ...imagine, webhook_url: hookUrl });
    expect(created.status).toBe(202);
    const canceled = await system.api('POST', `/v1/jobs/${created.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expectError(await system.api('POST', `/v1/jobs/${created.body.id}/cancel`), 409, 'JOB_FINISHED', '/v1/jobs');

    const until = Date.now() + 15_000;
    while (!received.some((r) => r.body.includes(created.body.id)) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const hook = received.find((r) => r.body.includes(created.body.id));
    expect(hook, 'webhook delivered').toBeDefined();
    const payload = JSON.parse(hook!.body);
    expect(payload).toMatchObject({ event: 'job.canceled', job: { id: created.body.id, status: 'canceled' } });
    const [t, v1] = String(hook!.headers['x-gateway-signature']).split(',');
    const timestamp = t.replace('t=', '');
    const expected = createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${hook!.body}`).digest('hex');
    expect(v1).toBe(`v1=${expected}`);
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
  });

  it('exposes Prometheus metrics to admin keys, counting transitions once', async () => {
    const scrape = async () => {
      const res = await fetch(`${system.gatewayUrl}/metrics`, {
        headers: { authorization: `Bearer ${system.apiKey}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      const text = await res.text();
      const value = (series: string) =>
        Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return {
        text,
        created: value('gateway_jobs_created_total{provider="midjourney",operation="imagine"}'),
        canceled: value('gateway_jobs_finished_total{provider="midjourney",status="canceled"}'),
        pending: value('gateway_jobs_open{provider="midjourney",status="pending"}'),
      };
    };
    // Deltas inside this test: what earlier tests created does not matter.
    const before = await scrape();
    const kept = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'counted and left pending' });
    const dropped = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'counted and canceled' });
    expect([kept.status, dropped.status]).toEqual([202, 202]);
    expect((await system.api('POST', `/v1/jobs/${dropped.body.id}/cancel`)).status).toBe(200);
    expect((await system.api('POST', `/v1/jobs/${dropped.body.id}/cancel`)).status).toBe(409); // no second transition
    const after = await scrape();
    expect(after.created - before.created).toBe(2);
    expect(after.canceled - before.canceled).toBe(1);
    expect(after.pending - before.pending).toBe(1); // the open-jobs gauge comes from the database
    expect(after.text).toContain('gateway_process_resident_memory_bytes');
  });

  /**
   * Resolves once every webhook attempt that was due when it was called has been made: two deliveries enqueued
   * after the call have arrived, and the delivery loop never runs twice at once, so the run that carried the second
   * one started after the run carrying the first (and anything due with it) had finished.
   */
  const drainWebhooks = async () => {
    for (const round of [1, 2]) {
      const job = await system.api('POST', '/v1/midjourney/imagine', {
        prompt: `sentinel ${round}`,
        webhook_url: hookUrl,
      });
      await system.api('POST', `/v1/jobs/${job.body.id}/cancel`);
      await waitFor(
        `sentinel ${round} delivered`,
        () => Promise.resolve(received.some((r) => r.body.includes(job.body.id)) || undefined),
        15_000,
      );
    }
  };

  const attemptsFor = (jobId: string) => received.filter((r) => r.body.includes(jobId));
  const waitForAttempts = async (jobId: string, n: number) => {
    await waitFor(
      `${n} attempts for ${jobId}`,
      () => Promise.resolve(attemptsFor(jobId).length >= n || undefined),
      30_000,
    );
    return attemptsFor(jobId);
  };

  // The gateway here retries at once (WEBHOOK_RETRY_DELAYS_MS=0,0): a delivery that is wrongly kept pending is due
  // again immediately, so the "no further attempt" assertions below fail if delivery or give-up is broken.
  it('retries a webhook the receiver failed, with the same delivery id, and stops once it is delivered', async () => {
    const flaky = hookUrl.replace('/hook', '/flaky');
    const created = await system.api('POST', '/v1/midjourney/imagine', { ...imagine, webhook_url: flaky });
    await system.api('POST', `/v1/jobs/${created.body.id}/cancel`);
    const [first, second] = await waitForAttempts(created.body.id, 2);
    expect(second, 'a second attempt').toBeDefined();
    expect(second.body).toBe(first.body);
    expect(second.headers['x-gateway-delivery']).toBe(first.headers['x-gateway-delivery']);
    await drainWebhooks();
    expect(attemptsFor(created.body.id)).toHaveLength(2); // delivered: no third attempt
    // GET /v1/webhooks/deliveries?job_id=: that job's delivery alone, with its attempts and last answer.
    const listed = await system.api('GET', `/v1/webhooks/deliveries?job_id=${created.body.id}`);
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        job_id: created.body.id,
        event: 'job.canceled',
        status: 'delivered',
        attempts: 2,
        last_status: 204,
      }),
    ]);
    expect((await system.api('GET', '/v1/webhooks/deliveries?job_id=nope')).status).toBe(400);
  });

  it('honours webhook_events: a job that asked only for start gets no webhook when it ends', async () => {
    const startOnly = await system.api('POST', '/v1/midjourney/imagine', {
      ...imagine,
      webhook_url: hookUrl,
      webhook_events: ['start'],
    });
    expect(startOnly.status).toBe(202);
    expect(startOnly.body.webhook_events).toEqual(['start']);
    await system.api('POST', `/v1/jobs/${startOnly.body.id}/cancel`);
    await drainWebhooks();
    expect(attemptsFor(startOnly.body.id)).toEqual([]);
    const deliveries = await system.api('GET', `/v1/webhooks/deliveries?job_id=${startOnly.body.id}`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data).toEqual([]);
  });

  it('gives a failing webhook up after the last retry', async () => {
    const down = hookUrl.replace('/hook', '/down');
    const created = await system.api('POST', '/v1/midjourney/imagine', { ...imagine, webhook_url: down });
    await system.api('POST', `/v1/jobs/${created.body.id}/cancel`);
    expect(await waitForAttempts(created.body.id, 3)).toHaveLength(3); // the first attempt and two retries
    await drainWebhooks();
    expect(attemptsFor(created.body.id)).toHaveLength(3); // given up: no fourth
  });

  it('replays Idempotency-Key on the original genimage and genvideo routes: an n8n retry creates nothing new', async () => {
    const body = { prompt: 'a mug, retried by n8n', url_image: '', design_id: '', options: { chaos: 0, ar: '2:3' } };
    const headers = { 'idempotency-key': 'n8n-run-7' };
    const first = await system.api('POST', '/midjourney/genimage', body, headers);
    expect(first.status).toBe(200);
    // Not accepted by Midjourney within the wait (no worker here): the gateway's job id, still pending.
    expect(first.body).toMatchObject({ success: true, status: 'pending', data: null });
    expect(first.body.jobId).toBe(first.body.gatewayJobId);
    const retry = await system.api('POST', '/midjourney/genimage', body, headers);
    expect(retry.status).toBe(200);
    expect(retry.body.jobId).toBe(first.body.jobId);
    // The same key on another request is refused in the original error shape.
    expectError(
      await system.api('POST', '/midjourney/genimage', { ...body, prompt: 'another mug' }, headers),
      409,
      'IDEMPOTENCY_CONFLICT',
      '/midjourney/genimage',
    );
    // GET carries the key too; a different key is a different job.
    const viaQuery = `/midjourney/genimage?prompt=${encodeURIComponent('a bowl')}&ar=1:1`;
    const q1 = await system.api('GET', viaQuery, undefined, { 'idempotency-key': 'n8n-run-8' });
    const q2 = await system.api('GET', viaQuery, undefined, { 'idempotency-key': 'n8n-run-8' });
    const q3 = await system.api('GET', viaQuery, undefined, { 'idempotency-key': 'n8n-run-9' });
    expect(q2.body.jobId).toBe(q1.body.jobId);
    expect(q3.body.jobId).not.toBe(q1.body.jobId);

    const video = { image_url: 'https://example.com/still.png', text_prompt: 'waves' };
    const v1 = await system.api('POST', '/midjourney/genvideo', video, { 'idempotency-key': 'n8n-video-1' });
    const v2 = await system.api('POST', '/midjourney/genvideo', video, { 'idempotency-key': 'n8n-video-1' });
    expect(v1.status).toBe(200);
    expect(v2.body.jobId).toBe(v1.body.jobId);

    const listed = await system.api('GET', '/v1/jobs?limit=100');
    const ids = listed.body.data.map((j: { id: string }) => j.id);
    for (const id of [first.body.jobId, q1.body.jobId, v1.body.jobId]) {
      expect(ids.filter((x: string) => x === id)).toHaveLength(1);
    }
  });

  it('accepts unknown fields on the original routes (dropped) but refuses them on /v1', async () => {
    const lenient = await system.api('POST', '/midjourney/genimage', {
      prompt: 'a vase',
      user_id: 'u-1',
      cb: '1712_abc',
      workflow: 'n8n',
      options: { ar: '1:1', zoom: 2 },
    });
    expect(lenient.status).toBe(200);
    const job = await system.api('GET', `/v1/jobs/${lenient.body.jobId}`);
    expect(job.body.input).toEqual({ prompt: 'a vase', options: { ar: '1:1' } });
    const query = await system.api('GET', `/midjourney/genimage?prompt=a%20cup&cb=${Date.now()}_x&_=1`);
    expect(query.status).toBe(200);
    const video = await system.api('GET', '/midjourney/genvideo?image_url=https://example.com/a.png&cb=1');
    expect(video.status).toBe(200);
    const proxyBuster = await system.api('GET', '/midjourney/proxy-image?url=https://evil.example/a.png&cb=1');
    expectError(proxyBuster, 403, 'FORBIDDEN_HOST', '/midjourney/proxy-image'); // known fields still checked

    // Known fields are still validated on the lenient routes.
    expectError(
      await system.api('POST', '/midjourney/genimage', { prompt: 'x', user_id: 'u', options: { chaos: 500 } }),
      400,
      'INVALID_REQUEST',
      '/midjourney/genimage',
    );
    for (const [path, body] of [
      ['/v1/midjourney/imagine', { prompt: 'x', cb: '1' }],
      ['/v1/midjourney/imagine', { prompt: 'x', options: { zoom: 2 } }],
      ['/v1/midjourney/video', { image_url: 'https://example.com/a.png', loop: true }],
    ] as const) {
      const res = await system.api('POST', path, body);
      expectError(res, 400, 'INVALID_REQUEST', path);
    }
    expectError(await system.api('GET', '/v1/jobs?cb=1'), 400, 'INVALID_REQUEST', '/v1/jobs');
  });

  it('refuses blank prompts and missing or malformed fields on every route with a 400 and a code', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/v1/midjourney/imagine', { prompt: '   ' }],
      ['POST', '/v1/midjourney/imagine', { prompt: '\t\n' }],
      ['POST', '/v1/midjourney/video', { image_url: 'https://example.com/a.png', text_prompt: '  ' }],
      ['POST', '/midjourney/genimage', { prompt: '   ' }],
      ['POST', '/midjourney/genimage', {}],
      ['GET', '/midjourney/genimage?prompt=%20%20%20', undefined],
      ['GET', '/midjourney/genimage', undefined],
      ['GET', '/midjourney/genimage?ar=1:1&chaos=5', undefined],
      ['GET', '/midjourney/genimage?prompt=x&chaos=500', undefined],
      ['GET', '/midjourney/genimage?prompt=x&ar=wide', undefined],
      ['GET', '/midjourney/genimage?prompt=x&version=42', undefined],
      ['GET', '/midjourney/genimage?prompt=x&mode=ludicrous', undefined],
      ['GET', '/midjourney/genimage?prompt=x&tile=perhaps', undefined],
      ['POST', '/midjourney/genvideo', {}],
      ['POST', '/midjourney/genvideo', { text_prompt: 'waves', options: { motion: 'low' } }],
      ['POST', '/midjourney/genvideo', { image_url: 'https://example.com/a.png', text_prompt: '  ' }],
      ['GET', '/midjourney/genvideo?text_prompt=waves', undefined],
    ];
    for (const [method, path, body] of cases) {
      expectError(await system.api(method, path, body), 400, 'INVALID_REQUEST', path);
    }
  });

  it('answers malformed job ids with 404 on every job route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/jobs/not-a-uuid'],
      ['POST', '/v1/jobs/not-a-uuid/cancel'],
      ['POST', '/v1/jobs/12345/cancel'],
      ['GET', '/v1/jobs/not-a-uuid/events'],
      ['GET', `/v1/jobs/${JOB_ID.slice(0, -1)}x/events`],
    ] as const) {
      expectError(await system.api(method, path), 404, 'NOT_FOUND', path);
    }
    // A well-formed id of no job: 404 as well, with the events stream never opened.
    const events = await fetch(`${system.gatewayUrl}/v1/jobs/${JOB_ID}/events`, {
      headers: { 'x-api-key': system.apiKey },
    });
    expect(events.status).toBe(404);
    expect(events.headers.get('content-type')).toMatch(/json/);
  });

  it('restores a revoked BOOTSTRAP_API_KEY at the next start, as the variable promises', async () => {
    const keys = await system.api('GET', '/v1/admin/keys');
    const bootstrap = keys.body.data.find((k: { name: string }) => k.name === 'bootstrap');
    expect(bootstrap).toBeDefined();
    expect((await system.api('DELETE', `/v1/admin/keys/${bootstrap.id}`)).status).toBe(200);
    expectError(await system.api('GET', '/v1/jobs'), 401, 'UNAUTHENTICATED', '/v1/jobs');
    await system.stopGateway();
    await system.startGateway();
    expect((await system.api('GET', '/v1/jobs')).status).toBe(200);
    const after = await system.api('GET', '/v1/admin/keys');
    const restored = after.body.data.find((k: { id: string }) => k.id === bootstrap.id);
    expect(restored).toMatchObject({ revoked_at: null, scopes: ['*'] });
  });
});
