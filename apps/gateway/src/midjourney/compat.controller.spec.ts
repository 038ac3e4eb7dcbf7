import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEYS, serviceDouble, wiringApp } from '../../../../test/gateway-wiring.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { CompatController } from './compat.controller.js';
import { strictMock } from '../../../../test/strict-mock.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { CompatService, ORIGINAL_ENDPOINTS } from './compat.service.js';
import type { MidjourneyService } from './midjourney.service.js';
import { LegacyStats, LegacyStatsInterceptor } from './legacy-stats.js';

// Wiring of the original Midjourney routes: their error shape, lenient fields (unknown ones dropped, known ones
// validated), Idempotency-Key, and auth, through the real pipe, guard and filter.
const IDEA = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const genImage = vi.fn();
const genVideo = vi.fn();
const init = vi.fn();
const status = vi.fn();
const health = vi.fn();
const index = vi.fn();
const proxyImage = vi.fn();
let app: NestFastifyApplication;

const call = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': KEYS.all, ...headers } });

/** The original error shape, now with a stable code. */
function expectCompatError(res: Awaited<ReturnType<typeof call>>, statusCode: number, code: string) {
  expect(res.statusCode, res.body).toBe(statusCode);
  const body = res.json();
  expect(body).toMatchObject({ success: false, code });
  expect(typeof body.error).toBe('string');
  expect(Date.parse(body.timestamp)).toBeGreaterThan(0);
}

beforeAll(async () => {
  app = await wiringApp(
    [CompatController],
    [
      {
        provide: CompatService,
        useValue: serviceDouble<CompatService>('CompatService', {
          genImage,
          genVideo,
          init,
          status,
          health,
          index,
          proxyImage,
        }),
      },
      LegacyStats,
      LegacyStatsInterceptor,
    ],
  );
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  for (const fn of [genImage, genVideo, init, status, health, index, proxyImage]) fn.mockReset();
  genImage.mockResolvedValue({ success: true, jobId: 'j-1' });
  genVideo.mockResolvedValue({ success: true, jobId: 'j-2' });
});

describe('POST /midjourney/genimage', () => {
  it('answers 200 with the service’s original shape, passing the mapped request and Idempotency-Key', async () => {
    const res = await call(
      'POST',
      '/midjourney/genimage',
      { prompt: 'mug design', url_image: '', design_id: IDEA, options: { chaos: 0, ar: '2:3', mode: 'relaxed' } },
      { 'idempotency-key': 'n8n-row-42' },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, jobId: 'j-1' });
    const [, request, idempotencyKey] = genImage.mock.calls[0];
    expect(request).toEqual({
      prompt: 'mug design',
      imageUrl: undefined,
      options: expect.objectContaining({ chaos: 0, ar: '2:3', mode: 'relaxed' }),
      ideaId: IDEA,
    });
    expect(idempotencyKey).toBe('n8n-row-42');
  });

  it('accepts a row id that is no uuid, as the original did (the product_design sync skips that row)', async () => {
    const res = await call('POST', '/midjourney/genimage', { prompt: 'mug design', design_id: 'row_42-b' });
    expect(res.statusCode).toBe(200);
    expect(genImage.mock.calls[0][1].ideaId).toBe('row_42-b');
  });

  it('drops fields the original ignored (user_id, cache-busters, unknown options) and keeps the known ones', async () => {
    const res = await call('POST', '/midjourney/genimage', {
      prompt: 'mug design',
      user_id: 'u-1',
      cb: '1712_x',
      source: 'n8n',
      options: { ar: '1:1', zoom: 2 },
    });
    expect(res.statusCode).toBe(200);
    const [, request] = genImage.mock.calls[0];
    expect(request.prompt).toBe('mug design');
    expect(request.options).toEqual({ ar: '1:1' });
    expect(JSON.stringify(request)).not.toMatch(/cb|source|zoom/);
  });

  it.each([
    ['no prompt', { options: {} }],
    ['an empty prompt', { prompt: '' }],
    ['a whitespace-only prompt', { prompt: '    ' }],
    ['a prompt that is no string', { prompt: 42 }],
    ['a bad option', { prompt: 'x', options: { chaos: 500 } }],
    ['a url_image that is no URL', { prompt: 'x', url_image: 'not a url' }],
    ['a design_id that could be a path', { prompt: 'x', design_id: '../row-1' }],
    ['an idea_id that is too long', { prompt: 'x', idea_id: 'x'.repeat(129) }],
  ])('answers 400 in the original shape for %s (the original answered 500)', async (_case, body) => {
    expectCompatError(await call('POST', '/midjourney/genimage', body), 400, 'INVALID_REQUEST');
    expect(genImage).not.toHaveBeenCalled();
  });

  it('answers 409 in the original shape when the Idempotency-Key was used for another request', async () => {
    genImage.mockRejectedValueOnce(new GatewayException('IDEMPOTENCY_CONFLICT', 'reused'));
    expectCompatError(
      await call('POST', '/midjourney/genimage', { prompt: 'x' }, { 'idempotency-key': 'k' }),
      409,
      'IDEMPOTENCY_CONFLICT',
    );
  });
});

describe('GET /midjourney/genimage', () => {
  it('reads the options flat from the query, ignores cache-busters, and passes the Idempotency-Key', async () => {
    const res = await call(
      'GET',
      '/midjourney/genimage?prompt=a%20red%20bicycle&ar=1:1&chaos=5&tile=true&mode=turbo&cb=1712_abc&_=9',
      undefined,
      { 'idempotency-key': 'q-1' },
    );
    expect(res.statusCode).toBe(200);
    const [, request, idempotencyKey] = genImage.mock.calls[0];
    expect(request).toEqual({
      prompt: 'a red bicycle',
      imageUrl: undefined,
      options: { ar: '1:1', chaos: 5, tile: true, mode: 'turbo' },
      ideaId: undefined,
    });
    expect(idempotencyKey).toBe('q-1');
  });

  it.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['6', '6'],
  ])('reads niji=%s as the original did (any truthy value: the default niji model)', async (value, niji) => {
    expect((await call('GET', `/midjourney/genimage?prompt=x&niji=${value}`)).statusCode).toBe(200);
    expect(genImage.mock.calls[0][1].options.niji).toBe(niji);
  });

  it.each([
    ['no prompt', '/midjourney/genimage?ar=1:1'],
    ['a blank prompt', '/midjourney/genimage?prompt=%20%20'],
    ['chaos out of range', '/midjourney/genimage?prompt=x&chaos=500'],
    ['chaos that is no number', '/midjourney/genimage?prompt=x&chaos=lots'],
    ['a bad aspect ratio', '/midjourney/genimage?prompt=x&ar=wide'],
    ['an unknown version', '/midjourney/genimage?prompt=x&version=99'],
    ['an unknown mode', '/midjourney/genimage?prompt=x&mode=ludicrous'],
    ['tile that is no boolean', '/midjourney/genimage?prompt=x&tile=maybe'],
    ['an unknown niji model', '/midjourney/genimage?prompt=x&niji=9'],
  ])('answers 400 for %s', async (_case, url) => {
    expectCompatError(await call('GET', url), 400, 'INVALID_REQUEST');
    expect(genImage).not.toHaveBeenCalled();
  });
});

describe('/midjourney/genvideo', () => {
  it('maps POST options and GET query fields alike, with the Idempotency-Key', async () => {
    const post = await call(
      'POST',
      '/midjourney/genvideo',
      { image_url: 'https://example.com/a.png', text_prompt: 'waves', options: { motion: 'low', extra: 1 } },
      { 'idempotency-key': 'v-1' },
    );
    expect(post.statusCode).toBe(200);
    expect(genVideo.mock.calls[0][1]).toEqual({
      imageUrl: 'https://example.com/a.png',
      textPrompt: 'waves',
      motion: 'low',
      ideaId: undefined,
    });
    expect(genVideo.mock.calls[0][2]).toBe('v-1');
    const get = await call('GET', '/midjourney/genvideo?image_url=https://example.com/a.png&motion=high&cb=1');
    expect(get.statusCode).toBe(200);
    expect(genVideo.mock.calls[1][1]).toMatchObject({ imageUrl: 'https://example.com/a.png', motion: 'high' });
  });

  it.each<['GET' | 'POST', string, unknown]>([
    ['POST', '/midjourney/genvideo', { text_prompt: 'x' }],
    ['POST', '/midjourney/genvideo', { image_url: 'https://example.com/a.png', text_prompt: ' ' }],
    ['POST', '/midjourney/genvideo', { image_url: 'https://example.com/a.png', options: { motion: 'wild' } }],
    ['GET', '/midjourney/genvideo', undefined],
    ['GET', '/midjourney/genvideo?text_prompt=x', undefined],
    ['GET', '/midjourney/genvideo?image_url=nope', undefined],
  ])('answers 400 for %s %s %j (image_url is required)', async (method, url, body) => {
    expectCompatError(await call(method, url, body), 400, 'INVALID_REQUEST');
    expect(genVideo).not.toHaveBeenCalled();
  });
});

describe('init, status, proxy-image, health', () => {
  it('answers init with the service’s answer, and a signed-out account in the original error shape', async () => {
    init.mockResolvedValueOnce({ success: true, message: 'ok', status: 'ready' });
    expect((await call('POST', '/midjourney/init')).json()).toEqual({ success: true, message: 'ok', status: 'ready' });
    init.mockRejectedValueOnce(new GatewayException('SIGNED_OUT', 'Midjourney account is signed_out'));
    expectCompatError(await call('POST', '/midjourney/init'), 503, 'SIGNED_OUT');
  });

  it('streams proxy-image bytes with the upstream type and an inline disposition, ignoring cache-busters', async () => {
    proxyImage.mockResolvedValue({ bytes: Buffer.from('png!'), contentType: 'image/png' });
    const res = await call('GET', '/midjourney/proxy-image?url=https://cdn.midjourney.com/j/0_0.png&cb=1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe('inline; filename="image"');
    expect(res.body).toBe('png!');
    expect(proxyImage).toHaveBeenCalledWith('https://cdn.midjourney.com/j/0_0.png');
  });

  it('answers proxy-image without a valid url with 400, and a forbidden host with 403', async () => {
    expectCompatError(await call('GET', '/midjourney/proxy-image'), 400, 'INVALID_REQUEST');
    expectCompatError(await call('GET', '/midjourney/proxy-image?url=not-a-url'), 400, 'INVALID_REQUEST');
    proxyImage.mockRejectedValueOnce(new GatewayException('FORBIDDEN_HOST', 'CDN only'));
    expectCompatError(
      await call('GET', '/midjourney/proxy-image?url=https://evil.example/a.png'),
      403,
      'FORBIDDEN_HOST',
    );
  });

  it('serves /health without a key and counts the original routes’ outcomes', async () => {
    const stats = app.get(LegacyStats);
    const before = { total: stats.total, failed: stats.failed };
    health.mockResolvedValue({ status: 'running' });
    status.mockResolvedValue({ success: true, isLoggedIn: true });
    await call('GET', '/midjourney/status');
    await call('POST', '/midjourney/genimage', { prompt: ' ' }); // refused by the pipe: a failed request, as before
    status.mockRejectedValueOnce(new GatewayException('WORKER_UNAVAILABLE', 'down'));
    await call('GET', '/midjourney/status');
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'running' });
    expect(health).toHaveBeenLastCalledWith(false); // no key: no error text
    await app.inject({ method: 'GET', url: '/health', headers: { 'x-api-key': KEYS.ideogram } });
    expect(health).toHaveBeenLastCalledWith(true);
    await app.inject({ method: 'GET', url: '/health', headers: { 'x-api-key': KEYS.revoked } });
    expect(health).toHaveBeenLastCalledWith(false);
    expect({ total: stats.total - before.total, failed: stats.failed - before.failed }).toEqual({
      total: 3,
      failed: 2,
    });
  });
});

describe('GET / (the original index)', () => {
  it('is open like the original’s, counts as no request, and leaves other paths 404 in the original shape', async () => {
    const stats = app.get(LegacyStats);
    const before = stats.total;
    index.mockResolvedValue({ message: 'Midjourney API Server' });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: 'Midjourney API Server' });
    expect(stats.total).toBe(before);
    expectCompatError(await app.inject({ method: 'POST', url: '/' }), 404, 'NOT_FOUND');
  });

  it('answers the original shape with /health’s status and uptime', async () => {
    const service = new CompatService(
      strictMock<MidjourneyService>('MidjourneyService', {
        status: () => Promise.reject(new GatewayException('WORKER_UNAVAILABLE', 'down')),
      }),
      new LegacyStats(),
      strictMock<AccountsService>('AccountsService'),
    );
    expect(await service.index()).toEqual({
      message: 'Midjourney API Server',
      version: '1.0.0',
      endpoints: ORIGINAL_ENDPOINTS,
      status: 'stopped',
      uptime: expect.any(Number),
    });
    // Every route the index names is one this controller serves.
    const served = Reflect.ownKeys(CompatController.prototype)
      .filter((name) => name !== 'constructor')
      .flatMap((name) => {
        const handler = (CompatController.prototype as unknown as Record<string | symbol, object>)[name];
        const path = Reflect.getMetadata('path', handler) as string | undefined;
        const method = ['GET', 'POST'][Reflect.getMetadata('method', handler) as number];
        return path === undefined ? [] : [`${method} /${path.replace(/^\//, '')}`];
      });
    expect(served.sort()).toEqual(Object.keys(ORIGINAL_ENDPOINTS).sort());
  });
});

describe('auth on the original routes', () => {
  const routes: ['GET' | 'POST', string, unknown?][] = [
    ['POST', '/midjourney/init'],
    ['POST', '/midjourney/genimage', { prompt: 'x' }],
    ['GET', '/midjourney/genimage?prompt=x'],
    ['POST', '/midjourney/genvideo', { image_url: 'https://example.com/a.png' }],
    ['GET', '/midjourney/genvideo?image_url=https://example.com/a.png'],
    ['GET', '/midjourney/status'],
    ['GET', '/midjourney/proxy-image?url=https://cdn.midjourney.com/a.png'],
  ];

  it.each([
    ['no key', { 'x-api-key': '' }, 401, 'UNAUTHENTICATED'],
    ['an unknown key', { 'x-api-key': 'gw_unknown' }, 401, 'UNAUTHENTICATED'],
    ['an expired key', { 'x-api-key': KEYS.expired }, 401, 'UNAUTHENTICATED'],
    ['a key without the midjourney scope', { 'x-api-key': KEYS.ideogram }, 403, 'FORBIDDEN_SCOPE'],
  ])('refuses %s on every route in the original error shape', async (_case, headers, statusCode, code) => {
    for (const [method, url, body] of routes) {
      expectCompatError(await call(method, url, body, headers), statusCode, code);
    }
    for (const fn of [genImage, genVideo, init, status, proxyImage]) expect(fn).not.toHaveBeenCalled();
  });
});
