import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { allowedActions, type AccountEntry, type Job } from '@app/contracts';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { KEYS, serviceDouble, wiringApp } from '../../../../test/gateway-wiring.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import { MidjourneyService } from '../midjourney/midjourney.service.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { MjProxyController } from './mjproxy.controller.js';
import { MjProxyService } from './mjproxy.service.js';

// Wiring of /mj/*: the relay's auth header, the proxies' error shape, customIds reaching the right action, through
// the real pipe, guard and filter; the gateway services are doubles.
const file = (index: number) => ({
  index,
  url: `/files/c${index}.png`,
  bucket: 'b',
  path: 'p',
  contentType: 'x',
  size: 1,
});
const grid = makeJob({
  status: 'completed',
  progress: 100,
  result: {
    images: [0, 1, 2, 3].map(file),
    grid: file(4),
    providerJobId: 'mj-1',
    actions: allowedActions({ operation: 'imagine', images: 4, videos: 0 }),
  },
});
const created = makeJob();
const jobs = { get: vi.fn(), queueOf: vi.fn(), cancel: vi.fn() };
const mj = { imagine: vi.fn(), action: vi.fn(), describe: vi.fn(), blend: vi.fn(), video: vi.fn() };
let app: NestFastifyApplication;

const send = (
  method: 'GET' | 'POST',
  url: string,
  payload?: object,
  secret: string | null = `Bearer ${KEYS.midjourney}`,
) =>
  app.inject({
    method,
    url,
    headers: secret === null ? {} : { 'mj-api-secret': secret },
    ...(payload ? { payload } : {}),
  });

beforeAll(async () => {
  app = await wiringApp(
    [MjProxyController],
    [
      MjProxyService,
      { provide: JobsService, useValue: serviceDouble<JobsService>('JobsService', jobs) },
      { provide: MidjourneyService, useValue: serviceDouble<MidjourneyService>('MidjourneyService', mj) },
      {
        provide: AccountsService,
        useValue: serviceDouble<AccountsService>('AccountsService', {
          pool: async () => [
            { account: 'default', signedIn: true, disabled: false } as AccountEntry,
            { account: 'resting', signedIn: true, disabled: true } as AccountEntry,
          ],
        }),
      },
      {
        provide: WebhooksService,
        useValue: serviceDouble<WebhooksService>('WebhooksService', { assertAllowed: async () => undefined }),
      },
    ],
  );
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  for (const fn of [...Object.values(jobs), ...Object.values(mj)]) fn.mockReset();
  jobs.get.mockImplementation(async (_key: unknown, id: string): Promise<Job> => {
    if (id === grid.id) return grid;
    throw new GatewayException('NOT_FOUND', `No job ${id}`);
  });
  jobs.queueOf.mockResolvedValue({ position: 1 });
  for (const fn of Object.values(mj)) fn.mockResolvedValue({ job: created, created: true });
});

describe('auth', () => {
  it('a missing or wrong key: 401 in the proxies’ shape; a key without the midjourney scope: 403', async () => {
    for (const secret of [null, 'gw_nope', 'Bearer gw_nope']) {
      const res = await send('GET', `/mj/task/${grid.id}/fetch`, undefined, secret);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 401, result: null, properties: { error_code: 'UNAUTHENTICATED' } });
      expect(res.json().description).toBeTruthy();
    }
    const scoped = await send('GET', `/mj/task/${grid.id}/fetch`, undefined, KEYS.ideogram);
    expect([scoped.statusCode, scoped.json().code]).toEqual([403, 403]);
  });

  it('mj-api-secret with or without Bearer reaches the task', async () => {
    for (const secret of [KEYS.midjourney, `Bearer ${KEYS.midjourney}`]) {
      const res = await send('GET', `/mj/task/${grid.id}/fetch`, undefined, secret);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: grid.id, status: 'SUCCESS', progress: '100%', imageUrl: '/files/c4.png' });
    }
  });
});

describe('submit', () => {
  it('imagine: code 1 with the task id; state and notifyHook kept with the job', async () => {
    const res = await send('POST', '/mj/submit/imagine', {
      prompt: 'a fox',
      state: 's',
      notifyHook: 'https://h.example/x',
      botType: 'MID_JOURNEY',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ code: 1, result: created.id });
    expect(mj.imagine).toHaveBeenCalledWith(
      expect.anything(),
      {
        prompt: 'a fox',
        imageUrl: undefined,
        images: [],
        proxy: { action: 'IMAGINE', state: 's', notifyHook: 'https://h.example/x' },
      },
      expect.stringMatching(/^mj:/),
    );
  });

  it('images: URLs stay links, anything else is a body image named by its field (decoded by the service)', async () => {
    const res = await send('POST', '/mj/submit/imagine', {
      prompt: 'a',
      base64Array: ['https://example.com/a.png', 'data:image/png;base64,AAAA', 'iVBORw0KGgo='],
    });
    expect(res.json().code).toBe(1);
    expect(mj.imagine).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        imageUrl: 'https://example.com/a.png',
        images: [
          { field: 'base64Array[1]', data: 'data:image/png;base64,AAAA' },
          { field: 'base64Array[2]', data: 'iVBORw0KGgo=' },
        ],
      }),
      undefined,
    );
    const twoUrls = await send('POST', '/mj/submit/imagine', {
      prompt: 'a',
      base64Array: ['https://example.com/a.png', 'https://example.com/b.png'],
    });
    expect(twoUrls.json()).toMatchObject({ code: 4, result: null });
    expect(twoUrls.json().description).toMatch(/at most one image URL/);

    await send('POST', '/mj/submit/blend', {
      base64Array: ['https://example.com/a.png', 'AAAA'],
      dimensions: 'PORTRAIT',
    });
    expect(mj.blend).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        imageUrls: ['https://example.com/a.png'],
        images: [{ field: 'base64Array[1]', data: 'AAAA' }],
        dimensions: 'portrait',
      }),
      undefined,
    );
    await send('POST', '/mj/submit/describe', { base64: 'data:image/jpeg;base64,/9j/4A==' });
    expect(mj.describe).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ image: { field: 'base64', data: 'data:image/jpeg;base64,/9j/4A==' } }),
      undefined,
    );
    await send('POST', '/mj/submit/video', { image: 'AAAA', endImage: 'https://example.com/end.png' });
    expect(mj.video).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        image: { field: 'image', data: 'AAAA' },
        endImageUrl: 'https://example.com/end.png',
      }),
      undefined,
    );
  });

  it('a refusal of the body image by the service is code 4 with its description, never a 500', async () => {
    mj.describe.mockRejectedValue(new GatewayException('INVALID_REQUEST', 'base64: must be base64'));
    const bad = await send('POST', '/mj/submit/describe', { base64: '%%%' });
    expect([bad.statusCode, bad.json().code, bad.json().description]).toEqual([200, 4, 'base64: must be base64']);
    mj.describe.mockRejectedValue(
      new GatewayException('PAYLOAD_TOO_LARGE', 'base64: the image is larger than 9 bytes'),
    );
    const large = await send('POST', '/mj/submit/describe', { base64: 'AAAA' });
    expect([large.statusCode, large.json().code]).toEqual([200, 4]);
  });

  it('botType NIJI_JOURNEY is the niji flag; accountFilter picks the mode and pins the account; unknown fields dropped', async () => {
    const res = await send('POST', '/mj/submit/imagine', {
      prompt: 'a fox',
      botType: 'NIJI_JOURNEY',
      accountFilter: { instanceId: 'default', modes: ['turbo', 'FAST'], remix: true, channelId: 'x' },
      remixAutoConsidered: false,
    });
    expect(res.json().code).toBe(1);
    expect(mj.imagine).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ options: { mode: 'turbo', niji: true }, account: 'default' }),
      undefined,
    );
    await send('POST', '/mj/submit/blend', {
      base64Array: ['AAAA', 'BBBB'],
      accountFilter: { modes: ['RELAX'] },
    });
    expect(mj.blend).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ mode: 'relax', account: undefined }),
      undefined,
    );
    const unknown = await send('POST', '/mj/submit/imagine', { prompt: 'a', accountFilter: { instanceId: 'nobody' } });
    expect(unknown.json()).toMatchObject({ code: 4, result: null });
    expect(unknown.json().description).toMatch(/no Midjourney account 'nobody'/);
    const resting = await send('POST', '/mj/submit/imagine', { prompt: 'a', accountFilter: { instanceId: 'resting' } });
    expect(resting.json().code).toBe(4);
    const badBot = await send('POST', '/mj/submit/imagine', { prompt: 'a', botType: 'DALL_E' });
    expect([badBot.statusCode, badBot.json().code]).toEqual([400, 4]);
    const badMode = await send('POST', '/mj/submit/imagine', { prompt: 'a', accountFilter: { modes: ['SLOW'] } });
    expect([badMode.statusCode, badMode.json().code]).toEqual([400, 4]);
    expect(mj.imagine).toHaveBeenCalledTimes(1);
  });

  it('a body that fails validation: 400 with code 4; an empty notifyHook (as relays send) is no hook', async () => {
    const res = await send('POST', '/mj/submit/imagine', { prompt: 7 });
    expect([res.statusCode, res.json().code]).toEqual([400, 4]);
    const badHook = await send('POST', '/mj/submit/imagine', { prompt: 'a', notifyHook: 'not a url' });
    expect([badHook.statusCode, badHook.json().code]).toEqual([400, 4]);
    const noHook = await send('POST', '/mj/submit/imagine', { prompt: 'a', notifyHook: '' });
    expect(noHook.json().code).toBe(1);
    expect(mj.imagine).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.objectContaining({ proxy: { action: 'IMAGINE' } }),
      undefined,
    );
    const odd = await send('POST', '/mj/submit/imagine', { prompt: 'a', base64Array: ['http://[not'] });
    expect(odd.json().code).toBe(4);
  });

  it('action: a button’s customId becomes our action on the parent; zoom and unknown tasks are code 4', async () => {
    const u2 = await send('POST', '/mj/submit/action', { taskId: grid.id, customId: 'MJ::JOB::upsample::2::mj-1' });
    expect(u2.json()).toMatchObject({ code: 1, result: created.id });
    expect(mj.action).toHaveBeenCalledWith(
      expect.anything(),
      { jobId: grid.id, action: 'upscale', index: 2, proxy: {} },
      undefined,
    );
    const pan = await send('POST', '/mj/submit/action', {
      taskId: grid.id,
      customId: 'MJ::JOB::pan_up::3::mj-1::SOLO',
    });
    expect(pan.json().code).toBe(1);
    expect(mj.action).toHaveBeenLastCalledWith(
      expect.anything(),
      { jobId: grid.id, action: 'pan', index: 3, direction: 'up', proxy: {} },
      undefined,
    );
    const zoom = await send('POST', '/mj/submit/action', {
      taskId: grid.id,
      customId: 'MJ::Outpaint::50::1::mj-1::SOLO',
    });
    expect(zoom.json()).toMatchObject({ code: 4, result: null });
    const unknown = await send('POST', '/mj/submit/action', {
      taskId: '00000000-0000-4000-8000-000000000000',
      customId: 'MJ::JOB::upsample::2::x',
    });
    expect(unknown.json().code).toBe(4);
    expect(mj.action).toHaveBeenCalledTimes(2);
  });

  it('change and simple-change', async () => {
    await send('POST', '/mj/submit/change', { taskId: grid.id, action: 'VARIATION', index: 3 });
    expect(mj.action).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.objectContaining({ action: 'vary', index: 3 }),
      undefined,
    );
    await send('POST', '/mj/submit/simple-change', { content: `${grid.id} U4` });
    expect(mj.action).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.objectContaining({ action: 'upscale', index: 4 }),
      undefined,
    );
    const bad = await send('POST', '/mj/submit/simple-change', { content: `${grid.id} Z9` });
    expect(bad.json().code).toBe(4);
  });

  it('shorten and modal: code 4 with a description, never a 500', async () => {
    for (const path of ['/mj/submit/shorten', '/mj/submit/modal']) {
      const res = await send('POST', path, { prompt: 'x' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ code: 4, result: null });
      expect(res.json().description).toMatch(/not supported/);
    }
  });
});

describe('tasks', () => {
  it('list-by-condition leaves unknown ids out; fetch of an unknown task is 404; the seed is code 4 when unknown', async () => {
    const res = await send('POST', '/mj/task/list-by-condition', {
      ids: [grid.id, '00000000-0000-4000-8000-000000000000', 'nonsense'],
    });
    expect(res.json().map((t: { id: string }) => t.id)).toEqual([grid.id]);
    const missing = await send('GET', '/mj/task/00000000-0000-4000-8000-000000000000/fetch');
    expect([missing.statusCode, missing.json().code]).toEqual([404, 404]);
    const seed = await send('GET', `/mj/task/${grid.id}/image-seed`);
    expect(seed.json()).toMatchObject({ code: 4, result: null });
  });
});
