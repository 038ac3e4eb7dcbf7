import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

// Live job news over the Midjourney websocket (the simulator's ws.midjourney.com, opened inside the worker's
// Chromium), polling taking over when the socket drops; and the original routes' answers, which need Midjourney's
// job id and submit answer from the worker.
describe('Midjourney websocket and original routes', () => {
  const system = new TestSystem({ simSpeed: 0.03 });
  let imageServer: Server;
  let imageUrl: string;

  beforeAll(async () => {
    await system.start();
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    imageServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
    const address = imageServer.address();
    imageUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/frame.png`;
  });

  afterAll(async () => {
    imageServer?.close();
    await system.stop();
  });

  const simJob = async (providerJobId: string) => {
    const stats = await system.admin('GET', '/__admin/stats');
    return stats.midjourney.jobs.find((j: any) => j.job_id === providerJobId);
  };
  const counter = async (name: string): Promise<number> =>
    (await system.admin('GET', '/__admin/stats')).midjourney.requests[name] ?? 0;

  it('completes a job from the socket’s news, without asking /api/job-status', async () => {
    await waitFor(
      'the worker’s socket subscribed',
      async () => ((await counter('socket:subscriptions')) ? true : undefined),
      30_000,
    );
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a fox on a socket',
      options: { mode: 'fast' },
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.images).toHaveLength(4);
    const provider = await simJob(job.result.providerJobId);
    // The render took ~0.9 s; the backstop poll would come 15 s after submission: only the socket told.
    expect(provider.statusRequests).toBe(0);
    expect(provider.cdnRequests).toBe(5); // one download per cell and the grid composite: no CDN probes either
    // The worker learned the render was done after the simulator finished it, and before the files were stored.
    const doneAt = Date.parse(job.result.providerDoneAt);
    expect(doneAt).toBeGreaterThanOrEqual(provider.completesAt);
    expect(doneAt).toBeLessThanOrEqual(Date.parse(job.completed_at));
  });

  it('falls back to polling when the socket drops mid-job, and follows new jobs once it is back', async () => {
    const drops = await counter('socket:drops');
    const connections = await counter('socket:connections');
    await system.admin('POST', '/__admin/faults', { provider: 'midjourney', endpoint: 'socket', fault: 'socket_drop' });
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a dropped fox',
      options: { mode: 'fast' },
    });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.images).toHaveLength(4);
    expect(await counter('socket:drops')).toBeGreaterThan(drops);
    const provider = await simJob(job.result.providerJobId);
    expect(provider.statusRequests).toBeGreaterThan(0); // polling took over
    expect(provider.statusRequests).toBeLessThanOrEqual(10);

    await system.admin('DELETE', '/__admin/faults');
    await waitFor(
      'the socket reopened',
      async () => ((await counter('socket:connections')) > connections ? true : undefined),
      60_000,
    );
    const next = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a fox back on the socket',
      options: { mode: 'fast' },
    });
    const done = await system.waitForJob(next.body.id, (j) => j.status === 'completed');
    expect((await simJob(done.result.providerJobId)).statusRequests).toBe(0);
  });

  describe('original routes', () => {
    it('POST /midjourney/genimage answers with Midjourney’s job id and submit answer; its CDN URL proxies', async () => {
      const res = await system.api('POST', '/midjourney/genimage', {
        prompt: 'a compat fox',
        design_id: 'row_7', // no uuid: accepted as the original did
        options: { mode: 'fast' },
      });
      expect(res.status, res.text).toBe(200);
      const body = res.body;
      const provider = await simJob(body.jobId);
      expect(provider).toBeDefined(); // jobId is the simulator's (Midjourney's) own id
      expect(body).toMatchObject({
        success: true,
        jobId: provider.job_id,
        batchSize: 4,
        retryCount: 0,
        mode: 'database',
        status: 'processing',
        data: { success: [{ job_id: provider.job_id, meta: { batch_size: 4 } }], failure: [] },
      });
      expect(body.gatewayJobId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.gatewayJobId).not.toBe(body.jobId);

      await system.waitForJob(body.gatewayJobId, (j) => j.status === 'completed');
      const url = `https://cdn.midjourney.com/${body.jobId}/0_0.png`;
      const image = await fetch(`${system.gatewayUrl}/midjourney/proxy-image?url=${encodeURIComponent(url)}`, {
        headers: { 'x-api-key': system.apiKey },
      });
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await image.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    });

    it('GET /midjourney/genimage takes niji=1 as the default niji model, in standalone mode', async () => {
      const res = await system.api('GET', '/midjourney/genimage?prompt=a%20niji%20cat&niji=1&mode=fast');
      expect(res.status).toBe(200);
      expect(res.body.mode).toBe('standalone');
      const provider = await simJob(res.body.jobId);
      expect(provider.prompt).toMatch(/--niji \d/);
      expect(provider.prompt).not.toMatch(/--v /);
    });

    it('POST /midjourney/genvideo answers with the upload’s short URL and a prompt built on it', async () => {
      const res = await system.api('POST', '/midjourney/genvideo', { image_url: imageUrl, text_prompt: 'slow zoom' });
      expect(res.status).toBe(200);
      expect(res.body.imageUrl.startsWith(system.sim.midjourney.links)).toBe(true);
      expect(res.body.prompt).toContain(res.body.imageUrl);
      expect(res.body.prompt).toContain('slow zoom');
      const provider = await simJob(res.body.jobId);
      expect(provider.kind).toBe('video');
      expect(provider.prompt).toBe(res.body.prompt);
    });

    it('init and status answer the service status as the original did', async () => {
      const init = await system.api('POST', '/midjourney/init');
      expect(init.status).toBe(200);
      expect(init.body).toMatchObject({ success: true, status: 'running' });
      const status = await system.api('GET', '/midjourney/status');
      expect(status.body).toMatchObject({ success: true, isLoggedIn: true, status: 'running' });
    });
  });
});
