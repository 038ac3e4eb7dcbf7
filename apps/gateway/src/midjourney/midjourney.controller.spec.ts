import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { KEYS, serviceDouble, wiringApp } from '../../../../test/gateway-wiring.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobWaiter } from '../jobs/job-waiter.js';
import { MidjourneyController } from './midjourney.controller.js';
import { MidjourneyService } from './midjourney.service.js';

// Wiring of /v1/midjourney/*: status codes, error bodies and auth through the real pipe, guard and filter.
const job = makeJob();
const imagine = vi.fn();
const video = vi.fn();
const action = vi.fn();
const describeImage = vi.fn();
const blend = vi.fn();
const settle = vi.fn();
let app: NestFastifyApplication;

const post = (url: string, payload: unknown, headers: Record<string, string> = { 'x-api-key': KEYS.all }) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers });

beforeAll(async () => {
  app = await wiringApp(
    [MidjourneyController],
    [
      {
        provide: MidjourneyService,
        useValue: serviceDouble<MidjourneyService>('MidjourneyService', {
          imagine,
          video,
          action,
          describe: describeImage,
          blend,
        }),
      },
      { provide: JobWaiter, useValue: serviceDouble<JobWaiter>('JobWaiter', { settle }) },
    ],
  );
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  imagine.mockReset().mockResolvedValue({ job, created: true });
  video.mockReset().mockResolvedValue({ job: makeJob({ id: job.id, operation: 'video' }), created: true });
  for (const fn of [action, describeImage, blend]) fn.mockReset().mockResolvedValue({ job, created: true });
  settle
    .mockReset()
    .mockImplementation((created: { job: unknown }) => Promise.resolve({ job: created.job, final: false }));
});

describe('POST /v1/midjourney/imagine', () => {
  it('answers 202 with the job, its Location, and hands the service the mapped request and Idempotency-Key', async () => {
    const res = await post(
      '/v1/midjourney/imagine',
      { prompt: 'a fox', url_image: '', options: { ar: '2:3', chaos: '7' }, design_id: job.id },
      { 'x-api-key': KEYS.midjourney, 'idempotency-key': 'order-1' },
    );
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(res.json()).toMatchObject({ id: job.id, status: 'pending', links: { self: `/v1/jobs/${job.id}` } });
    const [key, request, idempotencyKey] = imagine.mock.calls[0];
    expect(key.scopes).toEqual(['midjourney']);
    expect(request).toMatchObject({ prompt: 'a fox', imageUrl: undefined, ideaId: job.id });
    expect(request.options).toMatchObject({ ar: '2:3', chaos: 7 }); // numbers from strings, as class-transformer types them
    expect(idempotencyKey).toBe('order-1');
    expect(settle).toHaveBeenCalledWith({ job, created: true }, 0);
  });

  it('answers 200 for a replayed Idempotency-Key and for a job that ended within Prefer: wait', async () => {
    imagine.mockResolvedValueOnce({ job, created: false });
    expect((await post('/v1/midjourney/imagine', { prompt: 'a fox' })).statusCode).toBe(200);
    settle.mockResolvedValueOnce({ job: { ...job, status: 'completed' }, final: true });
    const waited = await post(
      '/v1/midjourney/imagine',
      { prompt: 'a fox' },
      { 'x-api-key': KEYS.all, prefer: 'wait=90' },
    );
    expect(waited.statusCode).toBe(200);
    expect(waited.json().status).toBe('completed');
    expect(settle.mock.calls.at(-1)![1]).toBe(60); // capped
  });

  it.each([
    ['no prompt', {}, 'prompt'],
    ['an empty prompt', { prompt: '' }, 'prompt'],
    ['a whitespace-only prompt', { prompt: '   \t ' }, 'prompt'],
    ['a prompt that is no string', { prompt: 42 }, 'prompt'],
    ['a bad aspect ratio', { prompt: 'x', options: { ar: 'wide' } }, 'options.ar'],
    ['an unknown option', { prompt: 'x', options: { zoom: 2 } }, 'options.zoom'],
    ['an unknown field', { prompt: 'x', cb: '123' }, 'cb'],
    ['a deadline under 30 s', { prompt: 'x', timeout_seconds: 5 }, 'timeout_seconds'],
    ['an idea id that is no uuid', { prompt: 'x', idea_id: 'row-1' }, 'idea_id'],
  ])('answers 400 INVALID_REQUEST naming the field for %s, without calling the service', async (_case, body, field) => {
    const res = await post('/v1/midjourney/imagine', body);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(imagine).not.toHaveBeenCalled();
  });

  it('answers 400 for a body that is not JSON and 415 for another media type', async () => {
    const broken = await app.inject({
      method: 'POST',
      url: '/v1/midjourney/imagine',
      headers: { 'x-api-key': KEYS.all, 'content-type': 'application/json' },
      payload: '{"prompt": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('INVALID_REQUEST');
    const xml = await app.inject({
      method: 'POST',
      url: '/v1/midjourney/imagine',
      headers: { 'x-api-key': KEYS.all, 'content-type': 'application/xml' },
      payload: '<prompt/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('maps the service’s refusals to their statuses', async () => {
    imagine.mockRejectedValueOnce(new GatewayException('IDEMPOTENCY_CONFLICT', 'key reused'));
    const conflict = await post('/v1/midjourney/imagine', { prompt: 'x' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ error: { code: 'IDEMPOTENCY_CONFLICT', message: 'key reused' } });
    imagine.mockRejectedValueOnce(new Error('boom'));
    const crash = await post('/v1/midjourney/imagine', { prompt: 'x' });
    expect(crash.statusCode).toBe(500);
    expect(crash.json().error).toMatchObject({ code: 'INTERNAL', message: 'Internal error' });
    expect(crash.body).not.toContain('boom');
  });
});

describe('POST /v1/midjourney/video', () => {
  it('answers 202 and maps the fields', async () => {
    const res = await post('/v1/midjourney/video', {
      image_url: 'https://example.com/a.png',
      text_prompt: 'waves',
      motion: 'low',
      batch_size: 2,
    });
    expect(res.statusCode).toBe(202);
    expect(video.mock.calls[0][1]).toMatchObject({
      imageUrl: 'https://example.com/a.png',
      textPrompt: 'waves',
      motion: 'low',
      batchSize: 2,
    });
  });

  it.each([
    ['no image_url', { text_prompt: 'x' }],
    ['an image_url that is no http(s) URL', { image_url: 'ftp://host/a.png' }],
    ['a blank text_prompt', { image_url: 'https://example.com/a.png', text_prompt: '  ' }],
    ['an unknown motion', { image_url: 'https://example.com/a.png', motion: 'wild' }],
    ['a batch size MJ does not offer', { image_url: 'https://example.com/a.png', batch_size: 3 }],
    ['an unknown field', { image_url: 'https://example.com/a.png', loop: true }],
  ])('answers 400 for %s', async (_case, body) => {
    const res = await post('/v1/midjourney/video', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(video).not.toHaveBeenCalled();
  });
});

describe('auth on /v1/midjourney/*', () => {
  it.each([
    ['no key', {}, 401, 'UNAUTHENTICATED'],
    ['an unknown key', { 'x-api-key': 'gw_unknown' }, 401, 'UNAUTHENTICATED'],
    ['an expired key', { 'x-api-key': KEYS.expired }, 401, 'UNAUTHENTICATED'],
    ['a revoked key', { 'x-api-key': KEYS.revoked }, 401, 'UNAUTHENTICATED'],
    ['a malformed Authorization header', { authorization: 'Basic abc' }, 401, 'UNAUTHENTICATED'],
    ['a key without the midjourney scope', { 'x-api-key': KEYS.ideogram }, 403, 'FORBIDDEN_SCOPE'],
  ])('refuses %s with %i %s before validating or calling anything', async (_case, headers, status, code) => {
    for (const url of ['/v1/midjourney/imagine', '/v1/midjourney/video']) {
      const res = await post(url, { prompt: '' }, headers);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    expect(imagine).not.toHaveBeenCalled();
    expect(video).not.toHaveBeenCalled();
  });

  it('accepts the key as a Bearer token', async () => {
    const res = await post('/v1/midjourney/imagine', { prompt: 'x' }, { authorization: `Bearer ${KEYS.midjourney}` });
    expect(res.statusCode).toBe(202);
  });
});

describe('POST /v1/midjourney/actions, /describe, /blend', () => {
  it('maps an action request (snake_case to the service’s names) and answers 202', async () => {
    const res = await post('/v1/midjourney/actions', {
      job_id: job.id,
      action: 'animate',
      index: '2',
      batch_size: 2,
      end_image_url: 'https://example.com/end.png',
      resolution: 720,
    });
    expect(res.statusCode).toBe(202);
    expect(action.mock.calls[0][1]).toMatchObject({
      jobId: job.id,
      action: 'animate',
      index: 2,
      batchSize: 2,
      endImageUrl: 'https://example.com/end.png',
      resolution: 720,
    });
  });

  it.each([
    ['an unknown action', { job_id: job.id, action: 'explode' }],
    ['a job_id that is no uuid', { job_id: 'mj-123', action: 'reroll' }],
    ['index 0', { job_id: job.id, action: 'upscale', index: 0 }],
    ['index 5', { job_id: job.id, action: 'upscale', index: 5 }],
    ['a direction that is none', { job_id: job.id, action: 'pan', index: 1, direction: 'north' }],
    ['resolution 1080', { job_id: job.id, action: 'animate', index: 1, resolution: 1080 }],
    ['an unknown field', { job_id: job.id, action: 'reroll', seed: 1 }],
  ])('refuses %s with 400 before the service', async (_name, body) => {
    const res = await post('/v1/midjourney/actions', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(action).not.toHaveBeenCalled();
  });

  it('maps describe and blend, and refuses a blend of one image or six', async () => {
    expect((await post('/v1/midjourney/describe', { image_url: 'https://example.com/a.png' })).statusCode).toBe(202);
    expect(describeImage.mock.calls[0][1]).toMatchObject({ imageUrl: 'https://example.com/a.png' });
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}.png`);
    expect((await post('/v1/midjourney/blend', { image_urls: urls(2), dimensions: 'portrait' })).statusCode).toBe(202);
    expect(blend.mock.calls[0][1]).toMatchObject({ imageUrls: urls(2), dimensions: 'portrait' });
    for (const n of [1, 6]) expect((await post('/v1/midjourney/blend', { image_urls: urls(n) })).statusCode).toBe(400);
    expect((await post('/v1/midjourney/describe', {})).statusCode).toBe(400);
  });
});
