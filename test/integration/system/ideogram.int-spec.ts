import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';
import { startImageServer } from './image-server.js';
import { pngSize } from './png.js';

// Every Ideogram operation as separate processes: HTTP → gateway → JetStream → Ideogram worker → Chromium (in-page
// fetch on the simulated ideogram.ai) → storage → events → gateway. The simulator requires a Bearer token here, so the
// worker's token path (IndexedDB record of the signed-in page) carries every call.
const ended = (j: any) => ['completed', 'failed', 'timeout', 'canceled'].includes(j.status);

describe('Ideogram end to end', () => {
  const system = new TestSystem({ simSpeed: 0.05, workers: ['ideogram'] });
  let images: { server: Server; url: string };
  let generated: any;

  const stats = async () => (await system.admin('GET', '/__admin/stats')).ideogram;
  const simRequest = async (requestId: string) => system.admin('GET', `/__admin/ideogram/requests/${requestId}`);

  beforeAll(async () => {
    images = await startImageServer();
    await system.start();
    await system.admin('POST', '/__admin/ideogram/config', { requireBearer: true });
  });

  afterAll(async () => {
    images?.server.close();
    await system.stop();
  });

  it('generates from HTTP to stored files and a completed job, submitting once', async () => {
    const before = await stats();
    const created = await system.api('POST', '/v1/ideogram/generate', {
      prompt: 'a red fox, it’s snowing',
      aspect_ratio: '16:9',
      num_images: 2,
      style: 'ILLUSTRATION',
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ provider: 'ideogram', operation: 'generate', status: 'pending' });

    const job = await system.waitForJob(created.body.id, ended);
    expect(job.status).toBe('completed');
    expect(job.progress).toBe(100);
    expect(job.result.images).toHaveLength(2);
    expect(job.result.responseIds).toHaveLength(2);
    for (const [i, image] of job.result.images.entries()) {
      expect(image.bucket).toBe('product-ideas');
      expect(image.path).toBe(`${job.id}/${job.result.responseIds[i]}.png`);
      const res = await fetch(image.url);
      expect(res.status).toBe(200);
      expect(pngSize(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 1312, height: 736 });
    }
    const after = await stats();
    expect(after.submits - before.submits).toBe(1);
    const request = await simRequest(job.result.providerJobId);
    expect(request).toMatchObject({ type: 'GENERATE', prompt: 'a red fox, it’s snowing', styleExpert: 'ILLUSTRATION' });
    expect(after.rejectedTokens).toBe(0);
    generated = job;
  });

  it('remixes an image URL with its caption (prompt source AUTO ignores a given prompt)', async () => {
    const created = await system.api('POST', '/v1/ideogram/remix', {
      image_url: `${images.url}/ref.png`,
      prompt: 'ignored with AUTO',
      image_weight: 55,
      resolution: { width: 832, height: 1248 },
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, ended);
    expect(job.status).toBe('completed');
    expect(job.result.caption).toMatch(/^A simulated design/);
    expect(job.result.uploadId).toBeTruthy();
    expect(job.result.images).toHaveLength(1);
    expect(job.result.images[0].path).toBe(`${job.id}/${job.result.responseIds[0]}.png`);
    const request = await simRequest(job.result.providerJobId);
    expect(request.type).toBe('VARIATION');
    expect(request.prompt).toBe(job.result.caption);
    expect(request.parent).toMatchObject({ image_id: job.result.uploadId, weight: 55, type: 'VARIATION' });
  });

  it('remixes with the caller’s prompt when the prompt source is MANUAL', async () => {
    const created = await system.api('POST', '/v1/ideogram/remix', {
      image_url: `${images.url}/ref.png`,
      prompt: 'a vintage poster of this',
      prompt_source: 'MANUAL',
      num_images: 2,
    });
    const job = await system.waitForJob(created.body.id, ended);
    expect(job.status).toBe('completed');
    expect(job.result.caption).toBeUndefined();
    expect(job.result.images).toHaveLength(2);
    expect((await simRequest(job.result.providerJobId)).prompt).toBe('a vintage poster of this');
  });

  it('upscales an image of an earlier job and stores the larger file', async () => {
    const created = await system.api('POST', '/v1/ideogram/upscale', {
      job_id: generated.id,
      index: 1,
      upscale_factor: 'X2',
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, ended);
    expect(job.status).toBe('completed');
    expect(job.input).toMatchObject({
      requestId: generated.result.providerJobId,
      responseId: generated.result.responseIds[1],
      resolution: { width: 1312, height: 736 },
    });
    const request = await simRequest(job.result.providerJobId);
    expect(request.type).toBe('SUPER_RES');
    expect(request.parent).toMatchObject({
      request_id: generated.result.providerJobId,
      response_id: generated.result.responseIds[1],
    });
    const res = await fetch(job.result.images[0].url);
    expect(pngSize(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 2048, height: 1149 });
  });

  it('removes the background of an earlier job’s image', async () => {
    const created = await system.api('POST', '/v1/ideogram/remove-background', { job_id: generated.id });
    const job = await system.waitForJob(created.body.id, ended);
    expect(job.status).toBe('completed');
    expect(job.input).toEqual({ assetType: 'RESPONSE', assetId: generated.result.responseIds[0] });
    expect(job.result.images).toHaveLength(1);
    expect(job.result.providerResponse.asset_id).toBe(job.result.providerJobId);
    expect((await fetch(job.result.images[0].url)).status).toBe(200);
  });

  it('describes an image and completes without files; Prefer: wait answers in the same request', async () => {
    const res = await system.api(
      'POST',
      '/v1/ideogram/describe',
      { image_url: `${images.url}/ref.png` },
      { prefer: 'wait=30' },
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.result.caption).toMatch(/^A simulated design/);
    expect(res.body.result.images).toEqual([]);
  });

  it('fails an errored request with its reason, and a flagged one as CONTENT_REJECTED, without retrying', async () => {
    const before = await stats();
    const errored = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a cat [[error]]' });
    const flagged = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a cat [[unsafe]]' });
    const rejected = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a cat [[moderate]]' });
    const [e, f, r] = await Promise.all(
      [errored, flagged, rejected].map((c) => system.waitForJob(c.body.id, ended, 90_000)),
    );
    expect(e.status).toBe('failed');
    expect(e.error).toEqual({ code: 'PROVIDER_ERROR', message: 'Something went wrong while generating' });
    expect(f.status).toBe('failed');
    expect(f.error.code).toBe('CONTENT_REJECTED');
    expect(f.error.message).toMatch(/safety filter/);
    expect(r.status).toBe('failed');
    expect(r.error.code).toBe('CONTENT_REJECTED');
    const after = await stats();
    expect(after.requests.submit - before.requests.submit).toBe(3); // one sample call each, none retried
  });

  it('answers bad requests with 400 and a code, and replays an Idempotency-Key', async () => {
    const bad = [
      ['/v1/ideogram/generate', { prompt: '' }],
      ['/v1/ideogram/generate', { prompt: 'x', resolution: { width: 1000, height: 1000 } }],
      ['/v1/ideogram/generate', { prompt: 'x', num_images: 5 }],
      ['/v1/ideogram/generate', { prompt: 'x', aspect_ratio: '7:3' }],
      ['/v1/ideogram/generate', { prompt: 'x', aspect_ratio: '1:1', resolution: { width: 1024, height: 1024 } }],
      ['/v1/ideogram/remix', { image_url: 'ftp://example.com/a.png' }],
      ['/v1/ideogram/remix', { image_url: 'https://example.com/a.png', image_weight: 0 }],
      ['/v1/ideogram/remix', { image_url: 'https://example.com/a.png', magic_prompt: 'MAYBE' }],
      ['/v1/ideogram/remix', { image_url: 'https://example.com/a.png', idea_id: 'not-a-uuid' }],
      ['/v1/ideogram/upscale', {}],
      ['/v1/ideogram/upscale', { request_id: 'a/b', response_id: 'c' }],
      ['/v1/ideogram/remove-background', {}],
      ['/v1/ideogram/describe', { image_url: 'nope' }],
    ] as const;
    for (const [path, body] of bad) {
      const res = await system.api('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    const missing = await system.api('POST', '/v1/ideogram/upscale', {
      job_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(missing.status).toBe(404);

    const first = await system.api('POST', '/v1/ideogram/describe', { upload_id: 'abc' }, { 'idempotency-key': 'k-1' });
    const again = await system.api('POST', '/v1/ideogram/describe', { upload_id: 'abc' }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const unknownUpload = await system.waitForJob(first.body.id, ended);
    expect(unknownUpload.status).toBe('failed');
    expect(unknownUpload.error.code).toBe('INVALID_PARAMETER');
  });
});
