import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, freePort, waitFor } from '../system.js';

// The console's API as a client sees it, on the real gateway with NATS, PGlite and the Midjourney worker against the
// simulator: sessions (cookie, CSRF, sign-out, revocation), the list-wide job stream, webhook deliveries, stats, the
// jobs list's new filters, and /console's static files.
const consoleEntry = () => join(resolve(import.meta.dirname, '..', '..', '..'), 'dist', 'console', 'index.html');

describe('console API', () => {
  const system = new TestSystem({ gatewayEnv: { WEBHOOK_RETRY_DELAYS_MS: '', SESSION_TTL_SECONDS: '600' } });
  let hookServer: Server;
  let hookBase: string;
  let hookStatus = 500;

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(hookStatus).end());
    });
    const port = await freePort();
    await new Promise<void>((r) => hookServer.listen(port, '127.0.0.1', r));
    hookBase = `http://127.0.0.1:${port}`;
    await system.start();
  });

  afterAll(async () => {
    hookServer?.close();
    await system.stop();
  });

  const createKey = async (scopes: string[]) => {
    const res = await system.api('POST', '/v1/admin/keys', { name: `console-${scopes.join('-')}`, scopes });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };

  /** Signs in like the console does; answers the cookie pair to send back and the CSRF token. */
  const signIn = async (key: string) => {
    const res = await system.api('POST', '/v1/session', { api_key: key }, { 'x-api-key': '' });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { cookie: setCookie.split(';')[0], csrf: res.body.csrf_token as string, setCookie, body: res.body };
  };

  const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({ 'x-api-key': '', cookie, ...extra });

  const expectError = (res: { status: number; body: any }, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
  };

  describe('sessions', () => {
    it('exchange a key for an HttpOnly, SameSite=Strict cookie that holds no key', async () => {
      const { key } = await createKey(['midjourney']);
      const { setCookie, body, cookie } = await signIn(key);
      expect(setCookie).toMatch(/^gw_session=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Strict$/);
      expect(setCookie).not.toContain(key);
      expect(body.key.scopes).toEqual(['midjourney']);
      expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const current = await system.api('GET', '/v1/session', undefined, withCookie(cookie));
      expect(current.status).toBe(200);
      expect(current.body.csrf_token).toBe(body.csrf_token);
      expect(current.headers.get('cache-control')).toBe('no-store');
    });

    it('refuse bad sign-ins with stable codes', async () => {
      expectError(await system.api('POST', '/v1/session', {}, { 'x-api-key': '' }), 400, 'INVALID_REQUEST');
      expectError(
        await system.api('POST', '/v1/session', { api_key: 'x', extra: 1 }, { 'x-api-key': '' }),
        400,
        'INVALID_REQUEST',
      );
      expectError(
        await system.api('POST', '/v1/session', { api_key: 'gw_wrong' }, { 'x-api-key': '' }),
        401,
        'UNAUTHENTICATED',
      );
      expectError(
        await system.api(
          'POST',
          '/v1/session',
          { api_key: system.apiKey },
          { 'x-api-key': '', origin: 'https://evil.example' },
        ),
        403,
        'CSRF_REJECTED',
      );
      expectError(
        await system.api('GET', '/v1/session', undefined, withCookie('gw_session=forged.token')),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('authenticate with the key’s scopes; changes need the CSRF token and the same origin', async () => {
      const { key } = await createKey(['midjourney']);
      const { cookie, csrf } = await signIn(key);
      expect((await system.api('GET', '/v1/jobs', undefined, withCookie(cookie))).status).toBe(200);
      const imagine = { prompt: 'console csrf check' };
      expectError(
        await system.api('POST', '/v1/midjourney/imagine', imagine, withCookie(cookie)),
        403,
        'CSRF_REJECTED',
      );
      expectError(
        await system.api('POST', '/v1/midjourney/imagine', imagine, withCookie(cookie, { 'x-csrf-token': 'nope' })),
        403,
        'CSRF_REJECTED',
      );
      expectError(
        await system.api(
          'POST',
          '/v1/midjourney/imagine',
          imagine,
          withCookie(cookie, { 'x-csrf-token': csrf, origin: 'https://evil.example' }),
        ),
        403,
        'CSRF_REJECTED',
      );
      const created = await system.api(
        'POST',
        '/v1/midjourney/imagine',
        imagine,
        withCookie(cookie, { 'x-csrf-token': csrf }),
      );
      expect(created.status).toBe(202);
      expectError(
        await system.api(
          'POST',
          '/v1/ideogram/generate',
          { prompt: 'x' },
          withCookie(cookie, { 'x-csrf-token': csrf }),
        ),
        403,
        'FORBIDDEN_SCOPE',
      );
      expectError(await system.api('GET', '/v1/admin/keys', undefined, withCookie(cookie)), 403, 'FORBIDDEN_SCOPE');
    });

    it('end when their key is revoked, and on sign-out the cookie is cleared', async () => {
      const { id, key } = await createKey(['*']);
      const first = await signIn(key);
      const signOut = await system.api(
        'DELETE',
        '/v1/session',
        undefined,
        withCookie(first.cookie, { 'x-csrf-token': first.csrf }),
      );
      expect(signOut.status).toBe(204);
      expect(signOut.headers.get('set-cookie')).toMatch(/^gw_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
      expectError(await system.api('DELETE', '/v1/session', undefined, withCookie(first.cookie)), 403, 'CSRF_REJECTED');

      const second = await signIn(key);
      expect((await system.api('GET', '/v1/session', undefined, withCookie(second.cookie))).status).toBe(200);
      expect((await system.api('DELETE', `/v1/admin/keys/${id}`)).status).toBe(200);
      expectError(await system.api('GET', '/v1/session', undefined, withCookie(second.cookie)), 401, 'UNAUTHENTICATED');
      expectError(await system.api('GET', '/v1/jobs', undefined, withCookie(second.cookie)), 401, 'UNAUTHENTICATED');
    });
  });

  it('streams every visible job change on GET /v1/events until the job completes', async () => {
    const { key } = await createKey(['ideogram']);
    const controller = new AbortController();
    const seen: Array<{ id: string; status: string }> = [];
    const other: string[] = [];
    const res = await fetch(`${system.gatewayUrl}/v1/events?provider=midjourney`, {
      headers: { 'x-api-key': system.apiKey },
      signal: controller.signal,
    });
    const scoped = await fetch(`${system.gatewayUrl}/v1/events`, {
      headers: { 'x-api-key': key },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const read = async (body: ReadableStream<Uint8Array>, onEvent: (type: string, data: string) => void) => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of body) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
            onEvent(type, data);
          }
        }
      } catch {
        // aborted at the end of the test
      }
    };
    let ready = false;
    void read(res.body!, (type, data) => {
      if (type === 'ready') ready = true;
      if (type === 'job') seen.push(JSON.parse(data) as { id: string; status: string });
    });
    void read(scoped.body!, (type, data) => {
      if (type === 'job') other.push((JSON.parse(data) as { provider: string }).provider);
    });
    await waitFor('stream ready', async () => (ready ? true : undefined), 10_000);
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a kite over the events stream' });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    await waitFor(
      'completed event',
      async () => (seen.some((j) => j.id === id && j.status === 'completed') ? true : undefined),
      60_000,
    );
    const statuses = seen.filter((j) => j.id === id).map((j) => j.status);
    expect(statuses[0]).toBe('pending');
    expect(statuses).toContain('completed');
    controller.abort();
    expect(other).not.toContain('midjourney'); // an ideogram key never sees Midjourney jobs
    expectError(await system.api('GET', '/v1/events?provider=nope'), 400, 'INVALID_REQUEST');
  });

  it('lists jobs by text and account, refusing bad filters with 400', async () => {
    const word = `zebra${Date.now()}`;
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: `a ${word} in the rain` });
    expect(created.status).toBe(202);
    const found = await system.api('GET', `/v1/jobs?q=${word.toUpperCase()}`);
    expect(found.status).toBe(200);
    expect(found.body.data.map((j: { id: string }) => j.id)).toEqual([created.body.id]);
    const byId = await system.api('GET', `/v1/jobs?q=${String(created.body.id).slice(0, 13)}`);
    expect(byId.body.data.map((j: { id: string }) => j.id)).toContain(created.body.id);
    expect((await system.api('GET', `/v1/jobs?q=${word}&account=nobody`)).body.data).toEqual([]);
    expectError(await system.api('GET', '/v1/jobs?q=%00'), 400, 'INVALID_REQUEST');
    expectError(await system.api('GET', `/v1/jobs?q=${'x'.repeat(201)}`), 400, 'INVALID_REQUEST');
  });

  it('lists webhook deliveries by scope and retries a failed one', async () => {
    hookStatus = 500;
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a webhook that fails once',
      webhook_url: `${hookBase}/hook`,
    });
    expect(created.status).toBe(202);
    const failed = await waitFor(
      'failed delivery',
      async () => {
        const list = await system.api('GET', '/v1/webhooks/deliveries?status=failed&limit=100');
        return list.body.data.find((d: { job_id: string }) => d.job_id === created.body.id);
      },
      60_000,
    );
    expect(failed).toMatchObject({ provider: 'midjourney', event: 'job.completed', attempts: 1, last_status: 500 });

    const { key: ideogramKey } = await createKey(['ideogram']);
    const hidden = await system.api('GET', '/v1/webhooks/deliveries', undefined, { 'x-api-key': ideogramKey });
    expect(hidden.body.data.map((d: { id: string }) => d.id)).not.toContain(failed.id);
    expectError(
      await system.api('POST', `/v1/webhooks/deliveries/${failed.id}/retry`, undefined, { 'x-api-key': ideogramKey }),
      404,
      'NOT_FOUND',
    );

    hookStatus = 204;
    const retried = await system.api('POST', `/v1/webhooks/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending' });
    await waitFor(
      'delivered after retry',
      async () => {
        const list = await system.api('GET', '/v1/webhooks/deliveries?status=delivered&limit=100');
        const d = list.body.data.find((x: { id: string }) => x.id === failed.id);
        return d?.attempts === 2 && d.last_status === 204 ? d : undefined;
      },
      30_000,
    );
    expectError(await system.api('POST', '/v1/webhooks/deliveries/abc/retry'), 400, 'INVALID_REQUEST');
    expectError(await system.api('POST', '/v1/webhooks/deliveries/999999999/retry'), 404, 'NOT_FOUND');
    expectError(await system.api('GET', '/v1/webhooks/deliveries?status=lost'), 400, 'INVALID_REQUEST');
    expectError(await system.api('GET', '/v1/webhooks/deliveries?cursor=-1'), 400, 'INVALID_REQUEST');
  });

  it('counts jobs, times to complete and failure codes from the database', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a job for the stats' });
    await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    const stats = await system.api('GET', '/v1/stats?hours=24');
    expect(stats.status).toBe(200);
    const completed = stats.body.jobs.find((r: any) => r.provider === 'midjourney' && r.status === 'completed');
    expect(completed.count).toBeGreaterThanOrEqual(1);
    const all = stats.body.completion_seconds.find((r: any) => r.provider === null);
    expect(all.completed).toBeGreaterThanOrEqual(1);
    expect(all.median).toBeGreaterThan(0);
    expect(all.p95).toBeGreaterThanOrEqual(all.median);
    expect(stats.body.hourly.length).toBeGreaterThanOrEqual(1);
    const { key } = await createKey(['ideogram']);
    const scoped = await system.api('GET', '/v1/stats', undefined, { 'x-api-key': key });
    expect(scoped.body.jobs.filter((r: any) => r.provider === 'midjourney')).toEqual([]);
    expectError(await system.api('GET', '/v1/stats?hours=0'), 400, 'INVALID_REQUEST');
    expectError(await system.api('GET', '/v1/stats?hours=169'), 400, 'INVALID_REQUEST');
  });

  it('documents every new route in OpenAPI with a summary', async () => {
    const doc = (await system.api('GET', '/openapi.json')).body;
    for (const [path, method] of [
      ['/v1/session', 'post'],
      ['/v1/session', 'get'],
      ['/v1/session', 'delete'],
      ['/v1/events', 'get'],
      ['/v1/webhooks/deliveries', 'get'],
      ['/v1/webhooks/deliveries/{id}/retry', 'post'],
      ['/v1/stats', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    }
  });

  it('serves the console at /console with the single-page fallback', async () => {
    expect(existsSync(consoleEntry()), 'dist/console is missing: run `npm run build`').toBe(true);
    const redirect = await fetch(`${system.gatewayUrl}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/console/');
    const index = await fetch(`${system.gatewayUrl}/console/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('<div id="app">');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const deep = await fetch(`${system.gatewayUrl}/console/jobs/some-id`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${system.gatewayUrl}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
  });
});
