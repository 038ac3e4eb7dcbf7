import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

// A 2×2 PNG: the start image the loopback image server hands out.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The Veo slice as separate processes: HTTP → gateway → JetStream → Gemini worker → Chromium tab → simulated Gemini
// page (video tool, upload, render, download button) → storage → events → gateway; the original Veo routes as the
// n8n flow calls them, and the failures the page shows.
describe('Gemini (Veo) end to end', () => {
  const system = new TestSystem({ workers: ['gemini'], simSpeed: 0.02 });
  const fault = (body: Record<string, unknown>) =>
    system.admin('POST', '/__admin/faults', { provider: 'gemini', ...body });
  const chats = async () => (await system.admin('GET', '/__admin/gemini/stats')).chats as any[];
  let imageServer: Server;
  let imageUrl: string;

  beforeAll(async () => {
    await system.start();
    imageServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
    await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
    const address = imageServer.address();
    imageUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/start.png`;
  });

  afterEach(async () => {
    await system.admin('DELETE', '/__admin/faults');
    await system.admin('POST', '/__admin/gemini/accounts', { name: 'default', video: 'ok', language: 'en' });
  });

  afterAll(async () => {
    imageServer?.close();
    await system.stop();
  });

  it('runs the n8n Veo flow: generate, poll the job until completed, download {base}{videoUrl}', async () => {
    const prompt = 'a paper boat drifting down a rainy street';
    const started = await system.api('POST', '/veo3/generate', { prompt });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      success: true,
      message: 'Video generation started',
      estimatedTime: '2-10 minutes',
    });
    expect(started.body.jobId).toMatch(UUID);
    expect(Date.parse(started.body.timestamp)).not.toBeNaN();

    const job = await waitFor(
      'veo job completed',
      async () => {
        const { status, body } = await system.api('GET', `/veo3/job/${started.body.jobId}`);
        expect(status).toBe(200);
        expect(body.status).not.toBe('failed');
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
    );
    expect(Object.keys(job).sort()).toEqual(
      [
        'success',
        'jobId',
        'prompt',
        'image_url',
        'status',
        'createdAt',
        'startedAt',
        'completedAt',
        'videoPath',
        'videoUrl',
        'error',
        'timestamp',
      ].sort(),
    );
    expect(job).toMatchObject({ success: true, jobId: started.body.jobId, prompt, image_url: null, error: null });
    expect(job.videoUrl).toBe(`/veo3/download/${started.body.jobId}.mp4`);
    expect(Date.parse(job.startedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    expect(Date.parse(job.completedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));

    // The flow downloads base + videoUrl as binary (with its key now).
    const video = await system.api('GET', job.videoUrl);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const res = await fetch(`${system.gatewayUrl}${job.videoUrl}`, { headers: { 'x-api-key': system.apiKey } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(4, 12).toString()).toBe('ftypisom');
    expect(bytes.length).toBeGreaterThan(4000);

    // Gemini saw one message, with the video tool chosen; the video came through the page's download button.
    const chat = (await chats()).find((c) => c.prompt === prompt);
    expect(chat).toMatchObject({ videoTool: true, image: null, outcome: 'video', state: 'video', downloads: 1 });

    const list = await system.api('GET', '/veo3/jobs');
    expect(list.body.success).toBe(true);
    expect(list.body.jobs.find((j: any) => j.jobId === started.body.jobId)).toMatchObject({ status: 'completed' });
    expect(list.body.count).toBe(list.body.jobs.length);
  });

  it('answers the original shapes for unknown jobs and files, and refuses names that are paths', async () => {
    const missing = await system.api('GET', '/veo3/job/veo3-1733563200000-abcdefghi');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: 'Job not found' });
    expect(Date.parse(missing.body.timestamp)).not.toBeNaN();
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '00000000-0000-4000-8000-000000000000.mp4', 'x.mp4']) {
      const file = await system.api('GET', `/veo3/download/${name}`);
      expect(file.status).toBe(404);
      expect(file.body).toMatchObject({ success: false, error: 'File not found' });
    }
    const blank = await system.api('POST', '/veo3/generate', { prompt: '  ' });
    expect(blank.status).toBe(400);
    expect(blank.body).toMatchObject({ success: false, error: 'Prompt is required', code: 'INVALID_REQUEST' });
    const index = await fetch(`${system.gatewayUrl}/veo3`);
    expect(await index.json()).toMatchObject({ service: 'Veo3 Video Generation API', version: '1.0.0' });
    const health = await (await fetch(`${system.gatewayUrl}/veo3/health`)).json();
    expect(health).toMatchObject({ status: 'running' });
    expect(health.totalRequests).toBeGreaterThanOrEqual(health.failedRequests);
    expect(health.failedRequests).toBeGreaterThan(0);
  });

  it('makes a video from a start image by URL as a /v1 job, in the Vietnamese UI', async () => {
    await system.admin('POST', '/__admin/gemini/accounts', { name: 'default', language: 'vi' });
    const created = await system.api(
      'POST',
      '/v1/gemini/video',
      { prompt: 'the boat sets sail', image_url: imageUrl },
      { 'idempotency-key': 'veo-image-1' },
    );
    expect(created.status).toBe(202);
    const again = await system.api(
      'POST',
      '/v1/gemini/video',
      { prompt: 'the boat sets sail', image_url: imageUrl },
      { 'idempotency-key': 'veo-image-1' },
    );
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.with_image).toBe(true);
    expect(job.result.videos).toHaveLength(1);
    expect(job.result.videos[0].contentType).toBe('video/mp4');
    const stored = await fetch(job.result.videos[0].url, { headers: { 'x-api-key': system.apiKey } });
    expect(stored.status).toBe(200);
    const sent = (await chats()).filter((c) => c.prompt === 'the boat sets sail');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ videoTool: true, image: { type: 'image/png', size: PNG.length } });
  });

  it('refuses an image_url that is no URL at submission (400, before any job)', async () => {
    const refused = await system.api('POST', '/v1/gemini/video', { prompt: 'x', image_url: 'not a url' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_REQUEST');
  });

  it('fails with FEATURE_UNAVAILABLE when Gemini says video generation is not available', async () => {
    await system.admin('POST', '/__admin/gemini/accounts', { name: 'default', video: 'refused' });
    const started = await system.api('POST', '/veo3/generate', { prompt: 'refused video' });
    const job = await system.waitForJob(started.body.jobId, (j) => j.status === 'failed');
    expect(job.error.code).toBe('FEATURE_UNAVAILABLE');
    expect(job.error.message).toMatch(/not available/);
    const veo = await system.api('GET', `/veo3/job/${started.body.jobId}`);
    expect(veo.body).toMatchObject({ status: 'failed', videoUrl: null });
    expect(veo.body.error).toMatch(/not available/);
    // Also when the Tools drawer has no video item at all.
    await system.admin('POST', '/__admin/gemini/accounts', { name: 'default', video: 'hidden' });
    const hidden = await system.api('POST', '/v1/gemini/video', { prompt: 'hidden tool' });
    const failed = await system.waitForJob(hidden.body.id, (j) => j.status === 'failed');
    expect(failed.error.code).toBe('FEATURE_UNAVAILABLE');
    expect((await chats()).some((c) => c.prompt === 'hidden tool')).toBe(false);
  });

  it('fails a refused prompt with CONTENT_REJECTED, without retrying it', async () => {
    await fault({ fault: 'moderation', endpoint: 'generate', times: 1 });
    const created = await system.api('POST', '/v1/gemini/video', { prompt: 'a refused scene' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed');
    expect(job.error.code).toBe('CONTENT_REJECTED');
    expect((await chats()).filter((c) => c.prompt === 'a refused scene')).toHaveLength(1);
  });

  it('resumes a render after the worker is killed, reopening the chat instead of sending the prompt again', async () => {
    // 60 s × 0.02 = 1.2 s normally; 8 s here, so the kill lands mid-render.
    await system.admin('POST', '/__admin/gemini/config', { renderMs: 400_000 });
    try {
      const created = await system.api('POST', '/v1/gemini/video', { prompt: 'a kite over the dunes' });
      const rendering = await system.waitForJob(
        created.body.id,
        (j) => j.status === 'processing' && !!j.result?.conversation_id,
      );
      await system.stopProviderWorker('gemini', 'SIGKILL');
      await system.startProviderWorker('gemini');
      const job = await system.waitForJob(created.body.id, (j) =>
        ['completed', 'failed', 'timeout'].includes(j.status),
      );
      expect(job.status).toBe('completed');
      expect(job.result.conversation_id).toBe(rendering.result.conversation_id);
      expect(job.result.videos).toHaveLength(1);
      const sent = (await chats()).filter((c) => c.prompt === 'a kite over the dunes');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ id: rendering.result.conversation_id, downloads: 1 });
    } finally {
      await system.admin('POST', '/__admin/gemini/config', { renderMs: 60_000 });
    }
  });

  it('sees a finished video as the page shows it (the tab watched), long before any poll would look', async () => {
    // Polls every 10 minutes (the adaptive cap lifted too); while the tab is watched the runtime's backstop poll comes
    // 15 s after the last look. The render takes 4 s: only the watcher can have seen the video within 10 s.
    const env = system.workerEnv('gemini')!;
    const before = { ...env };
    Object.assign(env, {
      GEMINI_POLL_INTERVAL_MS: '600000',
      GEMINI_POLL_MAX_MS: '600000',
      GEMINI_EXPECTED_RENDER_MS: '2000',
    });
    await system.admin('POST', '/__admin/gemini/config', { renderMs: 200_000 });
    await system.stopProviderWorker('gemini');
    await system.startProviderWorker('gemini');
    try {
      const created = await system.api('POST', '/v1/gemini/video', { prompt: 'a lantern on a night river' });
      const job = await system.waitForJob(created.body.id, (j) =>
        ['completed', 'failed', 'timeout'].includes(j.status),
      );
      expect(job.status).toBe('completed');
      const chat = (await chats()).find((c) => c.id === job.result.conversation_id);
      const seenAfter = Date.parse(job.result.providerDoneAt) - chat.completesAt;
      expect(seenAfter).toBeGreaterThanOrEqual(0);
      expect(seenAfter).toBeLessThan(10_000);
    } finally {
      await system.admin('POST', '/__admin/gemini/config', { renderMs: 60_000 });
      for (const key of Object.keys(env)) delete env[key];
      Object.assign(env, before);
      await system.stopProviderWorker('gemini');
      await system.startProviderWorker('gemini');
    }
  }, 90_000);

  it('fails with SIGNED_OUT when the profile is signed out, and works again once it is back', async () => {
    await fault({ fault: 'unauthorized' });
    const created = await system.api('POST', '/v1/gemini/video', { prompt: 'signed out' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed');
    expect(job.error.code).toBe('SIGNED_OUT');
    const status = await system.api('GET', '/v1/gemini/status');
    expect(status.body.account).toMatchObject({ state: 'signed_out', signedIn: false });
    await system.admin('DELETE', '/__admin/faults');
    const init = await system.api('POST', '/v1/gemini/init');
    expect(init.body.account).toMatchObject({ state: 'ready', signedIn: true });
    const again = await system.api('POST', '/v1/gemini/video', { prompt: 'signed in again' });
    const done = await system.waitForJob(again.body.id, (j) => j.status === 'completed');
    expect(done.result.videos).toHaveLength(1);
  });
});
