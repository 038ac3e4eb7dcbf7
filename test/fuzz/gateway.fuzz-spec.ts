import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES, PROVIDER_ERROR_CODES } from '@app/contracts';
import { isCompatRoute, isMjProxyRoute } from '../../apps/gateway/src/errors/http-exception.filter.js';
import { TestSystem } from '../integration/system.js';
import { badRequest, INNOCENT, type BadRequest, type Route } from './bad-requests.js';

/**
 * Property: whatever a client sends to any route of the OpenAPI document, the gateway answers with a 4xx in the
 * documented error shape (never a 5xx, never silence), stays up, and the valid creates sent alongside (which may share
 * an insert batch with the bad ones) all get their 202. `FUZZ_RUNS` and `FUZZ_SEED` reproduce or widen a run;
 * `FUZZ_DATABASE=postgres` runs it on Postgres instead of the embedded PGlite.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CODES = new Set<string>([...GATEWAY_ERROR_CODES, ...PROVIDER_ERROR_CODES]);
/** This system runs no worker: the routes that ask one answer this, which is no fault of the input. */
const NO_WORKER = 'WORKER_UNAVAILABLE';
/** Not in the OpenAPI document (hidden controller), but it takes path input all the same. */
const EXTRA_ROUTES: Route[] = [{ method: 'GET', path: '/files/{bucket}/{path}', fields: [] }];

interface Answer {
  status: number;
  body: any;
  error?: string;
}

async function send(
  base: string,
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
) {
  try {
    const res = await fetch(`${base}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
    });
    // An accepted stream (GET /v1/events) never ends by itself: its status is the answer.
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      await res.body?.cancel();
      return { status: res.status, body: '' } as Answer;
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text.slice(0, 200);
    }
    return { status: res.status, body } as Answer;
  } catch (error) {
    return { status: 0, body: undefined, error: String(error) } as Answer;
  }
}

/** What is wrong with an answer to a bad request, or null. */
function problemOf(request: BadRequest, answer: Answer): string | null {
  if (answer.status === 0) return `no answer (${answer.error})`;
  const compat = isCompatRoute(request.url);
  const mj = isMjProxyRoute(request.url);
  const code: unknown = compat
    ? answer.body?.code
    : mj
      ? answer.body?.properties?.error_code
      : answer.body?.error?.code;
  if (answer.status >= 500 && !(answer.status === 503 && code === NO_WORKER)) return `${answer.status} ${String(code)}`;
  if (answer.status < 400) return null;
  if (mj) {
    // The midjourney-proxy shape: {code (4 or the HTTP status), description, result: null, properties.error_code}.
    const b = answer.body;
    const ok =
      typeof b?.code === 'number' && typeof b.description === 'string' && b.result === null && CODES.has(String(code));
    return ok ? null : `${answer.status} not in the midjourney-proxy error shape: ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  if (compat) {
    const b = answer.body;
    const ok =
      b?.success === false &&
      typeof b.error === 'string' &&
      CODES.has(b.code) &&
      !Number.isNaN(Date.parse(b.timestamp));
    return ok ? null : `${answer.status} not in the original error shape: ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  const e = answer.body?.error;
  const ok = typeof e === 'object' && e !== null && CODES.has(e.code) && typeof e.message === 'string';
  return ok
    ? null
    : `${answer.status} not {error:{code,message}} with a known code: ${JSON.stringify(answer.body)?.slice(0, 200)}`;
}

describe('the gateway under generated bad requests (fuzz)', () => {
  let system: TestSystem;
  let routes: Route[];

  beforeAll(async () => {
    system = await new TestSystem({
      worker: false,
      database: process.env.FUZZ_DATABASE === 'postgres' ? 'postgres' : 'pglite',
      // The original routes that wait for a worker's answer would hold each request for a minute.
      gatewayEnv: {
        IDEOGRAM_SUBMIT_WAIT_SECONDS: '1',
        CHATGPT_GPTGEN_WAIT_SECONDS: '0',
        MIDJOURNEY_COMPAT_SUBMIT_WAIT_SECONDS: '1',
        LOG_LEVEL: 'error',
      },
    }).start();
    // The suite's key sends thousands of requests a minute: limits far above that, set explicitly (admin keys are
    // exempt from the defaults anyway), so no 429 of the limits mixes into what is measured here.
    const keys = await system.api<{ data: Array<{ id: string; name: string }> }>('GET', '/v1/admin/keys');
    const bootstrap = keys.body.data.find((k) => k.name === 'bootstrap')!;
    const high = { requests_per_minute: 1e9, jobs_per_day: 1e9, concurrent_jobs: 1e9, concurrent_streams: 1e9 };
    expect((await system.api('PATCH', `/v1/admin/keys/${bootstrap.id}`, { limits: high })).status).toBe(200);
    const doc = (await (await fetch(`${system.gatewayUrl}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>
      >;
      components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
    };
    routes = [
      ...Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => {
          const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref?.split('/').at(-1);
          const fields = Object.keys((ref && doc.components?.schemas?.[ref]?.properties) ?? {});
          return { method: method.toUpperCase(), path, fields };
        }),
      ),
      ...EXTRA_ROUTES,
    ];
  });

  afterAll(async () => {
    await system?.stop();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    send(system.gatewayUrl, {
      method: 'POST',
      url: path,
      headers: { 'x-api-key': system.apiKey, 'content-type': 'application/json', ...headers },
      body,
    });

  it.each([
    ['a NUL byte', '/v1/midjourney/imagine', '{"prompt":"fox\\u0000"}', 'prompt'],
    ['a lone surrogate', '/v1/ideogram/generate', '{"prompt":"fox\\ud800"}', 'prompt'],
    ['a NUL in an original route', '/midjourney/genimage', '{"prompt":"fox\\u0000"}', 'prompt'],
    ['a boolean index', '/v1/ideogram/upscale', `{"job_id":"${randomUUID()}","index":true}`, 'index'],
    [
      'a boolean batch_size',
      '/v1/midjourney/video',
      '{"image_url":"http://127.0.0.1:9/a.png","batch_size":true}',
      'batch_size',
    ],
    [
      'a control character in a passed-through style',
      '/api/remix',
      '{"imageUrl":"http://127.0.0.1:9/a.png","style":"A\\nB"}',
      'style',
    ],
    ['an empty list of images to download', '/api/d/images', '{"image_ids":[]}', 'image_ids'],
    ['a job_id that is no uuid', '/v1/ideogram/upscale', '{"job_id":"x","request_id":"a","response_id":"b"}', 'job_id'],
    [
      'an impossible expiry',
      '/v1/admin/keys',
      '{"name":"k","scopes":["*"],"expires_at":"2026-02-30T00:00:00Z"}',
      'expires_at',
    ],
    [
      'JSON 10,000 deep in an unknown field',
      '/v1/midjourney/imagine',
      `{"prompt":"fox","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      'x',
    ],
  ])('refuses %s with 400 INVALID_REQUEST naming the field', async (_what, path, body, field) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(400);
    const error = isCompatRoute(path) ? answer.body : answer.body.error;
    expect(error.code).toBe('INVALID_REQUEST');
    expect(JSON.stringify(error.details)).toContain(`"field":"${field}`);
  });

  it('refuses crafted cursors on GET /v1/jobs with 400', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [b64(['1', randomUUID()]), b64(['2026-02-30T00:00:00.000Z', randomUUID()]), 'garbage']) {
      const answer = await send(system.gatewayUrl, {
        method: 'GET',
        url: `/v1/jobs?cursor=${cursor}`,
        headers: { 'x-api-key': system.apiKey },
      });
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    }
  });

  it('lets no bad submission fail the valid ones sent with it (1 bad + 15 valid, three rounds)', async () => {
    for (const bad of ['{"prompt":"fox\\u0000"}', '{"prompt":"fox\\ud800"}', '{"prompt":"fox"}']) {
      const longKey: Record<string, string> = bad === '{"prompt":"fox"}' ? { 'idempotency-key': 'k'.repeat(5000) } : {};
      const answers = await Promise.all([
        post('/v1/midjourney/imagine', bad, longKey),
        ...Array.from({ length: 15 }, (_, i) => post('/v1/midjourney/imagine', JSON.stringify({ prompt: `fox ${i}` }))),
      ]);
      expect(answers.map((a) => a.status)).toEqual([400, ...Array<number>(15).fill(202)]);
    }
  });

  it(`answers every one of ${RUNS} bad requests across all routes with a 4xx, and innocent creates with 202`, async () => {
    expect(routes.length).toBeGreaterThan(40);
    const started = Date.now();
    const violations: Array<{ request: BadRequest; problem: string }> = [];
    const innocentFailures: string[] = [];
    const perRoute = new Map<string, number>();
    let sent = 0;
    let innocentSent = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(...routes.map((route) => badRequest(route, system.apiKey))),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        async (request, innocents, pick) => {
          // The bad request and valid creates leave together, so the gateway may batch their inserts together.
          const bystanders = Array.from({ length: innocents }, (_, i) => INNOCENT[(pick + i) % INNOCENT.length]);
          const [answer, ...others] = await Promise.all([
            send(system.gatewayUrl, request),
            ...bystanders.map((b) =>
              send(system.gatewayUrl, {
                method: 'POST',
                url: b.path,
                headers: { 'x-api-key': system.apiKey, 'content-type': 'application/json' },
                body: JSON.stringify(b.body),
              }),
            ),
          ]);
          sent++;
          innocentSent += others.length;
          const route = `${request.route.method} ${request.route.path}`;
          perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
          const problem = problemOf(request, answer);
          if (problem) violations.push({ request, problem });
          others.forEach((o, i) => {
            if (o.status !== 202) {
              innocentFailures.push(`${bystanders[i].path} → ${o.status} ${JSON.stringify(o.body)?.slice(0, 200)}`);
            }
          });
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz: ${sent} bad requests (+${innocentSent} innocent creates) on ${perRoute.size} routes in ${seconds} s, ` +
        `${violations.length} violations, seed ${SEED}`,
    );
    const distinct = new Map<string, string>();
    for (const { request, problem } of violations) {
      const key = `${request.method} ${request.route.path} [${request.kind}] ${problem.slice(0, 40)}`;
      if (!distinct.has(key)) {
        distinct.set(key, `${key} ← ${request.url.slice(0, 120)} ${request.body?.slice(0, 120) ?? ''} → ${problem}`);
      }
    }
    expect([...distinct.values()], `seed ${SEED}`).toEqual([]);
    expect(innocentFailures.slice(0, 20), `seed ${SEED}`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(routes.filter((r) => !perRoute.has(`${r.method} ${r.path}`)).map((r) => r.path)).toEqual([]);
    // Still up, and still the same process.
    expect(system.gateway?.child.exitCode).toBeNull();
    expect((await fetch(`${system.gatewayUrl}/health/live`)).status).toBe(200);
  }, 300_000);
});
