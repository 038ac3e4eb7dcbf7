import { describe, expect, it } from 'vitest';
import { allowedActions, type Job } from '@app/contracts';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { strictMock } from '../../../../test/strict-mock.js';
import type { ObjectStorage } from '@app/storage';
import { NO_KEY_LIMITS, type ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { JobWaiter } from '../jobs/job-waiter.js';
import type { WorkerRpc } from '../workers/worker-rpc.js';
import { MidjourneyGatewayConfig, MidjourneyService, type ActionRequest } from './midjourney.service.js';

// POST /v1/midjourney/actions decided in the service, on strict doubles: what is refused (and with which code)
// before anything is stored, and the job a follow-up becomes.

const key: ApiKey = {
  id: 'key-1',
  name: 'k',
  prefix: 'gw_',
  scopes: ['midjourney'],
  expiresAt: null,
  revokedAt: null,
  createdAt: new Date().toISOString(),
  limits: NO_KEY_LIMITS,
};
const gridResult = {
  images: [0, 1, 2, 3].map((index) => ({ index, url: '', bucket: '', path: '', contentType: 'image/png', size: 1 })),
  providerJobId: 'mj-grid',
  account: 'acct-2',
  submittedPrompt: 'a fox --v 7',
  actions: allowedActions({ operation: 'imagine', images: 4, videos: 0 }),
};
const grid = makeJob({
  apiKeyId: key.id,
  status: 'completed',
  input: { prompt: 'a fox', options: { mode: 'turbo' } },
  result: gridResult,
});

function setup(parent: Job | null = grid) {
  const jobs = strictMock<JobsService>('JobsService', {
    find: () => Promise.resolve(parent),
    create: (_key, request) => Promise.resolve({ job: makeJob({ input: request.input }), created: true }),
  });
  const config = Object.assign(new MidjourneyGatewayConfig(), { allowPrivateUrls: false });
  return {
    jobs,
    service: new MidjourneyService(
      jobs,
      strictMock<WorkerRpc>('WorkerRpc'),
      config,
      strictMock<JobWaiter>('JobWaiter'),
      strictMock<ObjectStorage>('ObjectStorage'),
    ),
  };
}

async function refusal(promise: Promise<unknown>): Promise<GatewayException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayException) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const request = (over: Partial<ActionRequest>): ActionRequest => ({
  jobId: grid.id,
  action: 'upscale',
  index: 1,
  ...over,
});

describe('MidjourneyService.action refusals', () => {
  it.each<[string, Partial<ActionRequest>, Job | null, string, number | undefined]>([
    ['zoom', { action: 'zoom', factor: 2 }, grid, 'NOT_SUPPORTED', undefined],
    ['an index missing', { action: 'vary', index: undefined }, grid, 'INVALID_REQUEST', undefined],
    ['pan without a direction', { action: 'pan' }, grid, 'INVALID_REQUEST', undefined],
    [
      'a field of another action',
      { action: 'reroll', index: undefined, type: 'subtle' },
      grid,
      'INVALID_REQUEST',
      undefined,
    ],
    [
      'end image and loop together',
      { action: 'animate', endImageUrl: 'https://example.com/e.png', loop: true },
      grid,
      'INVALID_REQUEST',
      undefined,
    ],
    ['a private end image', { action: 'animate', endImageUrl: 'http://127.0.0.1/e.png' }, grid, 'FORBIDDEN_HOST', 400],
    ['an unknown parent', {}, null, 'NOT_FOUND', undefined],
    ['another key’s parent', {}, makeJob({ ...grid, apiKeyId: 'key-2' }), 'NOT_FOUND', undefined],
    ['another provider’s job', {}, makeJob({ ...grid, provider: 'ideogram' }), 'NOT_FOUND', undefined],
    ['a parent still processing', {}, makeJob({ ...grid, status: 'processing' }), 'PARENT_NOT_READY', undefined],
    ['a failed parent', {}, makeJob({ ...grid, status: 'failed' }), 'PARENT_NOT_READY', undefined],
    ['extend of an image', { action: 'extend' }, grid, 'ACTION_NOT_ALLOWED', undefined],
    [
      'upscale of an upscale',
      {},
      makeJob({
        ...grid,
        operation: 'upscale',
        result: {
          ...gridResult,
          images: gridResult.images.slice(0, 1),
          actions: allowedActions({ operation: 'upscale', images: 1, videos: 0 }),
        },
      }),
      'ACTION_NOT_ALLOWED',
      undefined,
    ],
    [
      'a cell the parent lacks',
      { action: 'vary', index: 4 },
      makeJob({ ...grid, result: { ...gridResult, actions: ['vary:1'] } }),
      'ACTION_NOT_ALLOWED',
      undefined,
    ],
  ])('refuses %s', async (_name, over, parent, code, status) => {
    const { service, jobs } = setup(parent);
    const error = await refusal(service.action(key, request(over)));
    expect(error.code).toBe(code);
    if (status) expect(error.status).toBe(status);
    expect(jobs.create).not.toHaveBeenCalled();
  });
});

describe('MidjourneyService.action jobs', () => {
  it('makes a follow-up job pinned to the parent’s account, with the parent’s ids, prompt and mode', async () => {
    const { service, jobs } = setup();
    await service.action(key, request({ action: 'pan', index: 2, direction: 'left' }), 'idem-1');
    const [, created] = jobs.create.mock.calls[0];
    expect(created).toMatchObject({
      provider: 'midjourney',
      operation: 'pan',
      idempotencyKey: 'idem-1',
      deadlineSeconds: 900,
    });
    expect(created.input).toEqual({
      action: 'pan',
      parentJobId: grid.id,
      parentProviderJobId: 'mj-grid',
      parentPrompt: 'a fox --v 7',
      index: 2,
      direction: 'left',
      mode: 'turbo',
      private: false,
      account: 'acct-2',
    });
  });

  it('gives videos more time and their defaults (motion high, 480, fast unless the parent says otherwise)', async () => {
    const { service, jobs } = setup(makeJob({ ...grid, input: { prompt: 'a fox', options: {} } }));
    await service.action(key, request({ action: 'animate', index: 3, batchSize: 1, loop: true }));
    const [, created] = jobs.create.mock.calls[0];
    expect(created.deadlineSeconds).toBe(1200);
    expect(created.input).toMatchObject({ motion: 'high', resolution: 480, mode: 'fast', batchSize: 1, loop: true });
  });

  it('works out the actions of a parent stored before result.actions existed', async () => {
    const { actions: _gone, ...old } = gridResult;
    void _gone;
    const { service, jobs } = setup(makeJob({ ...grid, result: old }));
    await service.action(key, request({ action: 'reroll', index: undefined }));
    expect(jobs.create).toHaveBeenCalledOnce();
  });
});
