import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamView } from '../jetstream-view.js';
import { TestSystem, waitFor } from '../system.js';
import { readJobEvents } from '../sse.js';

// A job's life as clients see it: streamed, awaited, canceled mid-render, cut off at its deadline, and driven through
// the original routes. The cancel case counts job-status polls, so the worker polls here (websocket off; the socket
// has its own spec).
describe('job lifecycle', () => {
  const system = new TestSystem({ simSpeed: 0.1, workerEnv: { MIDJOURNEY_SOCKET: 'false' } });
  let jetstream: JetStreamView;

  beforeAll(async () => {
    await system.start();
    jetstream = await JetStreamView.open(system.nats.url);
  });
  afterAll(async () => {
    await jetstream?.close();
    await system.stop();
  });

  it('streams a job from pending to completed over SSE, and ends the stream there', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a kite over the dunes',
      options: { mode: 'fast' },
    });
    const events = await readJobEvents(`${system.gatewayUrl}/v1/jobs/${created.body.id}/events`, system.apiKey);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0].id).toBe(created.body.id);
    const last = events.at(-1);
    expect(last.status).toBe('completed');
    expect(last.result.images).toHaveLength(4);
    const progress = events.map((e) => e.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress); // never backwards
  });

  it('answers in the same request with Prefer: wait', async () => {
    const res = await system.api(
      'POST',
      '/v1/midjourney/imagine',
      { prompt: 'a paper boat', options: { mode: 'turbo' } },
      { prefer: 'wait=60' },
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.result.images).toHaveLength(4);
  });

  it('cancels a job mid-render: it ends canceled and the worker stops polling it', async () => {
    // A twin that is not canceled shows the poller at work: the canceled job must get no poll while it gets two.
    const [created, twin] = await Promise.all(
      ['a slow sunrise [[stuck]]', 'a slow sunset [[stuck]]'].map((prompt) =>
        system.api('POST', '/v1/midjourney/imagine', { prompt }),
      ),
    );
    const inFlight = (j: any) => j.status === 'processing' && !!j.result?.providerJobId;
    const [processing, twinProcessing] = await Promise.all([
      system.waitForJob(created.body.id, inFlight),
      system.waitForJob(twin.body.id, inFlight),
    ]);
    const polls = async (providerJobId: string) => {
      const stats = await system.admin('GET', '/__admin/stats');
      return stats.midjourney.jobs.find((j: any) => j.job_id === providerJobId).statusRequests as number;
    };
    try {
      const canceled = await system.api('POST', `/v1/jobs/${created.body.id}/cancel`);
      expect(canceled.status).toBe(200);
      expect(canceled.body.status).toBe('canceled');
      // The worker watches cancel markers and ends the job at once: its end marker says it took the cancel.
      const ended = await waitFor(
        'the worker to end the canceled job',
        () => jetstream.finished('midjourney', created.body.id),
        30_000,
      );
      expect(ended.status).toBe('canceled');
      const settled = await polls(processing.result.providerJobId);
      const twinSettled = await polls(twinProcessing.result.providerJobId);
      await waitFor(
        'two more polls of the twin',
        async () => ((await polls(twinProcessing.result.providerJobId)) >= twinSettled + 2 ? true : undefined),
        30_000,
      );
      expect(await polls(processing.result.providerJobId)).toBe(settled);
      expect((await system.api('GET', `/v1/jobs/${created.body.id}`)).body.status).toBe('canceled');
    } finally {
      await system.api('POST', `/v1/jobs/${twin.body.id}/cancel`);
    }
  });

  it('ends a job at its deadline as timeout, keeping the files stored so far', async () => {
    // Cells after the first appear a minute late: only one is there when the 30 s deadline passes.
    await system.admin('POST', '/__admin/config', { staggerMs: 60_000 });
    try {
      const created = await system.api('POST', '/v1/midjourney/imagine', {
        prompt: 'a lantern in the rain',
        options: { mode: 'turbo' },
        timeout_seconds: 30,
      });
      const job = await system.waitForJob(
        created.body.id,
        (j) => !['pending', 'processing'].includes(j.status),
        90_000,
      );
      expect(job.status).toBe('timeout');
      expect(job.error.code).toBe('PROVIDER_TIMEOUT');
      expect(job.result.partial).toBe(true);
      expect(job.result.images.map((i: { index: number }) => i.index)).toEqual([0]);
      expect((await fetch(job.result.images[0].url)).status).toBe(200);
      expect(Date.parse(job.completed_at)).toBeLessThanOrEqual(Date.parse(job.deadline_at) + 30_000);
    } finally {
      await system.admin('POST', '/__admin/config', { staggerMs: 0 });
    }
  });

  it('keeps the original routes: init, status, genimage by query, genvideo, and /health counters', async () => {
    const healthBefore = (await system.api('GET', '/health')).body;
    const init = await system.api('POST', '/midjourney/init');
    expect(init.status).toBe(200);
    expect(init.body).toMatchObject({ success: true, status: 'running' });
    const status = await system.api('GET', '/midjourney/status');
    expect(status.body).toMatchObject({ success: true, isLoggedIn: true, status: 'running' });

    const image = await system.api(
      'GET',
      `/midjourney/genimage?prompt=${encodeURIComponent('a red bicycle')}&ar=1:1&mode=turbo`,
    );
    expect(image.status).toBe(200);
    expect(image.body).toMatchObject({ success: true, batchSize: 4, status: 'processing' });
    // jobId is Midjourney's own (as the original's); the durable job is gatewayJobId.
    const imageJob = await system.waitForJob(image.body.gatewayJobId, (j) => j.status === 'completed');
    expect(imageJob.result.providerJobId).toBe(image.body.jobId);
    expect(imageJob.input.options).toMatchObject({ ar: '1:1', mode: 'turbo' });

    const source = imageJob.result.images[0].url as string;
    const video = await system.api('POST', '/midjourney/genvideo', {
      image_url: source,
      text_prompt: 'the wheels turn',
      options: { motion: 'low', mode: 'turbo' },
    });
    expect(video.status).toBe(200);
    expect(video.body.success).toBe(true);
    const videoJob = await system.waitForJob(video.body.gatewayJobId, (j) => j.status === 'completed');
    expect(videoJob.result.videos.length).toBeGreaterThan(0);

    const healthAfter = (await system.api('GET', '/health')).body;
    expect(healthAfter.status).toBe('running');
    expect(healthAfter.totalRequests - healthBefore.totalRequests).toBeGreaterThanOrEqual(4);
    expect(healthAfter.successfulRequests - healthBefore.successfulRequests).toBeGreaterThanOrEqual(4);
  });

  it('serves the original Midjourney index at / without a key, beside the console and the docs', async () => {
    const index = await fetch(`${system.gatewayUrl}/`);
    expect(index.status).toBe(200);
    const body = (await index.json()) as Record<string, any>;
    expect(body).toMatchObject({ message: 'Midjourney API Server', version: '1.0.0', status: 'running' });
    expect(Object.keys(body.endpoints)).toEqual(
      expect.arrayContaining(['GET /health', 'POST /midjourney/genimage', 'GET /midjourney/proxy-image']),
    );
    expect(body.uptime).toBeGreaterThanOrEqual(0);
    // The same clock as /health (a second may tick between the two reads).
    expect(Math.abs(body.uptime - (await system.api('GET', '/health')).body.uptime)).toBeLessThanOrEqual(1);
    // The console keeps its own path (its files, or "not built" where the test build has none), the docs theirs.
    const consolePage = await fetch(`${system.gatewayUrl}/console/`);
    expect([200, 503]).toContain(consolePage.status);
    expect(consolePage.headers.get('content-type')).not.toMatch(/json/);
    expect((await fetch(`${system.gatewayUrl}/openapi.json`)).status).toBe(200);
  });
});
