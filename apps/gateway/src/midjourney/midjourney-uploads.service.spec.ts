import { describe, expect, it } from 'vitest';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { strictMock } from '../../../../test/strict-mock.js';
import type { ObjectStorage, PutOptions } from '@app/storage';
import { NO_KEY_LIMITS, type ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { JobWaiter } from '../jobs/job-waiter.js';
import type { WorkerRpc } from '../workers/worker-rpc.js';
import { MidjourneyGatewayConfig, MidjourneyService } from './midjourney.service.js';

// Images sent in request bodies (base64 on /mj/*): decoded and checked before anything is stored, stored
// content-addressed for the worker, and named in the job input by their storage place.

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
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(24)]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]);

function setup(maxUploadBytes = 1000) {
  const puts: Array<{ bucket: string; path: string; bytes: Buffer; options: PutOptions }> = [];
  const storage = strictMock<ObjectStorage>('ObjectStorage', {
    put: (bucket, path, bytes, options) => {
      puts.push({ bucket, path, bytes, options });
      return Promise.resolve({ bucket, path, url: '', size: bytes.length, contentType: options.contentType });
    },
  });
  const jobs = strictMock<JobsService>('JobsService', {
    create: (_key, request) => Promise.resolve({ job: makeJob({ input: request.input }), created: true }),
  });
  const config = Object.assign(new MidjourneyGatewayConfig(), { uploadBucket: 'mj-up', maxUploadBytes });
  const sut = new MidjourneyService(
    jobs,
    strictMock<WorkerRpc>('WorkerRpc'),
    config,
    strictMock<JobWaiter>('JobWaiter'),
    storage,
  );
  return { sut, jobs, storage, puts };
}

async function refusal(promise: Promise<unknown>): Promise<GatewayException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayException);
  return error as GatewayException;
}

describe('MidjourneyService: images in request bodies', () => {
  it('stores each image under its sha256 and puts the stored places in the job input (imagine, in order)', async () => {
    const { sut, jobs, puts } = setup();
    await sut.imagine(key, {
      prompt: 'a fox',
      images: [
        { field: 'base64Array[0]', data: `data:image/png;base64,${PNG.toString('base64')}` },
        { field: 'base64Array[1]', data: JPEG.toString('base64') },
      ],
      account: 'default',
    });
    expect(puts.map((p) => [p.bucket, p.options.contentType])).toEqual([
      ['mj-up', 'image/png'],
      ['mj-up', 'image/jpeg'],
    ]);
    expect(puts[0].path).toMatch(/^uploads\/[0-9a-f]{64}\.png$/);
    expect(puts[0].bytes.equals(PNG)).toBe(true);
    const input = jobs.create.mock.calls[0][1].input;
    expect(input).toMatchObject({
      prompt: 'a fox',
      account: 'default',
      uploads: [
        { bucket: 'mj-up', path: puts[0].path, contentType: 'image/png' },
        { bucket: 'mj-up', path: puts[1].path, contentType: 'image/jpeg' },
      ],
    });
    expect(input).not.toHaveProperty('imageUrl');
  });

  it('describe, blend and video take body images in place of URLs', async () => {
    const { sut, jobs } = setup();
    const image = { field: 'base64', data: PNG.toString('base64') };
    await sut.describe(key, { image });
    expect(jobs.create.mock.calls[0][1].input).toEqual({ upload: expect.objectContaining({ bucket: 'mj-up' }) });
    await sut.blend(key, { imageUrls: ['https://example.com/a.png'], images: [image], dimensions: 'landscape' });
    expect(jobs.create.mock.calls[1][1].input).toMatchObject({
      imageUrls: ['https://example.com/a.png'],
      uploads: [expect.objectContaining({ contentType: 'image/png' })],
      dimensions: 'landscape',
    });
    await sut.video(key, { image, endImage: { field: 'endImage', data: JPEG.toString('base64') } });
    expect(jobs.create.mock.calls[2][1].input).toMatchObject({
      upload: expect.objectContaining({ contentType: 'image/png' }),
      endUpload: expect.objectContaining({ contentType: 'image/jpeg' }),
    });
  });

  it.each<[string, string, string, RegExp]>([
    ['not base64', '%%% not base64 %%%', 'INVALID_REQUEST', /^base64: must be base64$/],
    ['a data URL without base64', 'data:image/png,raw', 'INVALID_REQUEST', /data URLs must be base64/],
    ['not an image', Buffer.from('hello, world').toString('base64'), 'INVALID_REQUEST', /not a PNG, JPEG/],
    ['a mislabelled image', `data:image/gif;base64,${PNG.toString('base64')}`, 'INVALID_REQUEST', /declared/],
    ['empty', '', 'INVALID_REQUEST', /empty/],
    ['too large', Buffer.alloc(2000, 1).toString('base64'), 'PAYLOAD_TOO_LARGE', /larger than 1000 bytes/],
  ])('refuses %s naming the field, before storing or creating anything', async (_label, data, code, message) => {
    const { sut, jobs, storage } = setup();
    const error = await refusal(sut.describe(key, { image: { field: 'base64', data } }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(storage.put).not.toHaveBeenCalled();
    expect(jobs.create).not.toHaveBeenCalled();
  });

  it('refuses wrong counts: more than 5 image prompts, a blend of 1 or 6, a video with two start images', async () => {
    const { sut, storage } = setup();
    const image = (i: number) => ({ field: `base64Array[${i}]`, data: PNG.toString('base64') });
    const six = [0, 1, 2, 3, 4, 5].map(image);
    expect((await refusal(sut.imagine(key, { prompt: 'a', images: six }))).code).toBe('INVALID_REQUEST');
    expect((await refusal(sut.blend(key, { imageUrls: [], images: [image(0)] }))).message).toMatch(/2–5/);
    expect((await refusal(sut.blend(key, { imageUrls: [], images: six }))).message).toMatch(/2–5/);
    const twoStarts = sut.video(key, { imageUrl: 'https://example.com/a.png', image: image(0) });
    expect((await refusal(twoStarts)).message).toMatch(/exactly one start image/);
    const endAndLoop = sut.video(key, { image: image(0), endImageUrl: 'https://example.com/b.png', loop: true });
    expect((await refusal(endAndLoop)).message).toMatch(/exclude/);
    expect(storage.put).not.toHaveBeenCalled();
  });

  it('answers STORAGE_ERROR when storage refuses, and creates no job', async () => {
    const { sut, jobs, storage } = setup();
    storage.put.mockRejectedValue(new Error('disk full'));
    const error = await refusal(sut.describe(key, { image: { field: 'base64', data: PNG.toString('base64') } }));
    expect(error.code).toBe('STORAGE_ERROR');
    expect(jobs.create).not.toHaveBeenCalled();
  });
});
