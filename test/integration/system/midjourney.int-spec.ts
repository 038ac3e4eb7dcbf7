import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';
import { pngSize } from './png.js';

// The whole slice as separate processes: HTTP → gateway → JetStream → Midjourney worker → Chromium → simulator →
// storage → events → gateway. Faults that leave the account unusable run last.
describe('Midjourney end to end', () => {
  const system = new TestSystem({ simSpeed: 0.03 });
  let imageServer: Server;
  let imageUrl: string;

  beforeAll(async () => {
    await system.start();
    // A reference image on a local "public" host (private addresses are allowed in this test setup).
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    imageServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
    const address = imageServer.address();
    imageUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ref.png`;
  });

  afterAll(async () => {
    imageServer?.close();
    await system.stop();
  });

  it('runs imagine from HTTP to four stored images and a completed job', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: "a red fox, it's snowing",
      options: { ar: '1:1', mode: 'fast' },
    });
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('pending');

    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.progress).toBe(100);
    expect(job.result.images).toHaveLength(4);
    for (const image of job.result.images) {
      const res = await fetch(image.url);
      expect(res.status).toBe(200);
      expect(pngSize(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 1024, height: 1024 });
    }
    const after = await system.admin('GET', '/__admin/stats');
    expect(after.midjourney.submits - before.midjourney.submits).toBe(1);
    const simJob = after.midjourney.jobs.find((j: any) => j.job_id === job.result.providerJobId);
    expect(simJob.prompt).toContain("it's snowing"); // the apostrophe survives the sanitiser
    expect(simJob.prompt).toContain('--ar 1:1');
  });

  it('uploads url_image first and puts its short URL in front of the prompt', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a watercolor cat',
      url_image: imageUrl,
      options: { mode: 'fast' },
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    const stats = await system.admin('GET', '/__admin/stats');
    const simJob = stats.midjourney.jobs.find((j: any) => j.job_id === job.result.providerJobId);
    expect(simJob.prompt.startsWith(system.sim.midjourney.links)).toBe(true);
    expect(simJob.prompt).toContain('a watercolor cat');
  });

  it('renders a video from an image and stores its files', async () => {
    const created = await system.api('POST', '/v1/midjourney/video', {
      image_url: imageUrl,
      text_prompt: 'slow pan over the hills',
      motion: 'low',
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.operation).toBe('video');
    expect(job.result.videos.length).toBeGreaterThan(0);
    const res = await fetch(job.result.videos[0].url);
    expect(res.status).toBe(200);
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
  });

  it('fails a moderated prompt with CONTENT_REJECTED and does not retry it', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'something [[moderate]]' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed');
    expect(job.error.code).toBe('CONTENT_REJECTED');
    await new Promise((r) => setTimeout(r, 1000));
    const after = await system.admin('GET', '/__admin/stats');
    expect(after.midjourney.requests['submit'] - before.midjourney.requests['submit']).toBe(1);
  });

  it('backs off on a provider 429 and completes the job once the limit clears', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    await system.admin('POST', '/__admin/faults', {
      provider: 'midjourney',
      endpoint: 'submit',
      fault: 'rate_limit',
      times: 1,
    });
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a lighthouse at dusk' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 90_000);
    expect(job.result.images).toHaveLength(4);
    const after = await system.admin('GET', '/__admin/stats');
    expect(after.midjourney.submits - before.midjourney.submits).toBe(1); // one job created at the provider
    expect(after.midjourney.requests['submit'] - before.midjourney.requests['submit']).toBeGreaterThanOrEqual(2);
  });

  it('rejects bad keys and bad requests with stable 4xx bodies', async () => {
    const noKey = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'x' }, { 'x-api-key': '' });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('UNAUTHENTICATED');
    const wrongKey = await system.api('GET', '/v1/jobs', undefined, { 'x-api-key': 'gw_wrong' });
    expect(wrongKey.status).toBe(401);
    const badAr = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'x', options: { ar: 'wide' } });
    expect(badAr.status).toBe(400);
    expect(badAr.body.error.code).toBe('INVALID_REQUEST');
    const missingPrompt = await system.api('POST', '/midjourney/genimage', { options: {} });
    expect(missingPrompt.status).toBe(400);
    const unknownJob = await system.api('GET', '/v1/jobs/00000000-0000-4000-8000-000000000000');
    expect(unknownJob.status).toBe(404);
    expect(unknownJob.body.error.code).toBe('NOT_FOUND');
  });

  it('fails jobs of a signed-out account with SIGNED_OUT and reports the worker not ready', async () => {
    await system.admin('POST', '/__admin/faults', { provider: 'midjourney', fault: 'unauthorized' });
    await system.admin('POST', '/__admin/faults', { provider: 'midjourney', fault: 'revoked' });
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a quiet harbour' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed', 60_000);
    expect(job.error.code).toBe('SIGNED_OUT');
    const ready = await fetch(`${system.workerUrl}/health/ready`);
    expect(ready.status).toBe(503);
    const status = await system.api('GET', '/midjourney/status');
    expect(status.body.isLoggedIn).toBe(false);
  });
});
