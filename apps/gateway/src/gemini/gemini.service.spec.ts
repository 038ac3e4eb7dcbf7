import { describe, expect, it } from 'vitest';
import type { Job } from '@app/contracts';
import { ObjectStorage } from '@app/storage';
import { strictMock } from '../../../../test/strict-mock.js';
import type { ApiKey } from '../auth/api-key.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkerRpc } from '../workers/worker-rpc.js';
import { GeminiGatewayConfig, GeminiService } from './gemini.service.js';
import { VeoCompatService } from './veo-compat.service.js';
import { VeoStats } from './veo-stats.js';

const KEY = { id: 'key-1', scopes: ['gemini'] } as unknown as ApiKey;
const ID = '5f0c6d2e-8a8b-4c1e-9d55-3c2b1a0f9e77';
const created = { job: { id: ID, provider: 'gemini' } as Job, created: true };

function setup(
  options: { allowPrivateUrls?: boolean; jobs?: Partial<JobsService>; storage?: Partial<ObjectStorage> } = {},
) {
  const jobs = strictMock<JobsService>('jobs', options.jobs);
  const storage = strictMock<ObjectStorage>('storage', options.storage);
  const config = Object.assign(new GeminiGatewayConfig(), { allowPrivateUrls: options.allowPrivateUrls ?? false });
  const gemini = new GeminiService(jobs, strictMock<WorkerRpc>('rpc'), config);
  const compat = new VeoCompatService(gemini, jobs, storage, new VeoStats());
  return { jobs, storage, gemini, compat };
}

describe('GeminiService.video', () => {
  it('creates a gemini video job with the worker payload', async () => {
    const { jobs, gemini } = setup({ allowPrivateUrls: true, jobs: { create: async () => created } });
    await gemini.video(KEY, { prompt: 'a boat', imageUrl: 'http://127.0.0.1:9/a.png', timeoutSeconds: 300 }, 'k-1');
    expect(jobs.create).toHaveBeenCalledWith(KEY, {
      provider: 'gemini',
      operation: 'video',
      input: { prompt: 'a boat', imageUrl: 'http://127.0.0.1:9/a.png' },
      webhookUrl: undefined,
      idempotencyKey: 'k-1',
      deadlineSeconds: 300,
    });
  });

  it.each(['http://127.0.0.1/a.png', 'http://localhost:8080/a.png', 'http://[::1]/a.png'])(
    'refuses the start image %s at submission (400 FORBIDDEN_HOST), before any job exists',
    async (imageUrl) => {
      const { jobs, gemini } = setup();
      await expect(gemini.video(KEY, { prompt: 'a boat', imageUrl })).rejects.toMatchObject({
        code: 'FORBIDDEN_HOST',
        status: 400,
      });
      expect(jobs.create).not.toHaveBeenCalled();
    },
  );

  it('refuses a blank prompt with a field message (400), before any job exists', async () => {
    const { jobs, gemini } = setup();
    await expect(gemini.video(KEY, { prompt: '  ' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^prompt: /),
    });
    expect(jobs.create).not.toHaveBeenCalled();
  });
});

describe('VeoCompatService', () => {
  it('answers POST /veo3/generate as the original, and "Prompt is required" without one', async () => {
    const { compat } = setup({ jobs: { create: async () => created } });
    await expect(compat.generate(KEY, { prompt: 'a boat' })).resolves.toMatchObject({
      success: true,
      jobId: ID,
      message: 'Video generation started',
      estimatedTime: '2-10 minutes',
    });
    await expect(compat.generate(KEY, {})).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'Prompt is required',
    });
  });

  it('answers "Job not found" for ids that are no job of this provider, without asking for non-uuid ids', async () => {
    const { jobs, compat } = setup({ jobs: { find: async () => ({ id: ID, provider: 'ideogram' }) as Job } });
    await expect(compat.job(ID)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Job not found' });
    await expect(compat.job('veo3-1733563200000-abcdefghi')).rejects.toMatchObject({ message: 'Job not found' });
    expect(jobs.find).toHaveBeenCalledTimes(1);
  });

  it('serves a video only by its own name, read from the job’s stored path', async () => {
    const stored = {
      index: 0,
      url: 'u',
      bucket: 'veo-videos',
      path: `${ID}/veo_c0ffee.mp4`,
      contentType: 'video/mp4',
      size: 3,
    };
    const done = {
      id: ID,
      provider: 'gemini',
      status: 'completed',
      result: { images: [], videos: [stored] },
    } as unknown as Job;
    const { storage, compat } = setup({
      jobs: { find: async () => done },
      storage: { get: async () => ({ bytes: Buffer.from('abc'), contentType: 'application/octet-stream' }) },
    });
    await expect(compat.download(`${ID}.mp4`)).resolves.toEqual({
      bytes: Buffer.from('abc'),
      contentType: 'video/mp4',
      name: `${ID}.mp4`,
    });
    expect(storage.get).toHaveBeenCalledWith('veo-videos', `${ID}/veo_c0ffee.mp4`);
    for (const name of [`${ID}.webm`, `../${ID}.mp4`, 'passwd']) {
      await expect(compat.download(name), name).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'File not found' });
    }
    expect(storage.get).toHaveBeenCalledTimes(1);
  });
});
