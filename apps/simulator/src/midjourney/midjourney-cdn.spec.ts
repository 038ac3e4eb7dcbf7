import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webpSize } from '../common/webp.js';
import { FaultRegistry } from '../faults/faults.js';
import { registerMidjourneyCdn, registerMidjourneyLinks } from './midjourney-cdn.js';
import { MidjourneyState, type MjJob } from './midjourney-state.js';

// The imitated cdn.midjourney.com and s.mj.run at the HTTP level: files appear only once rendered, bytes match the
// Content-Type, and the CDN's fault switches behave as the system tests expect.
const APP_ORIGIN = 'http://localhost:4001';
let cdn: FastifyInstance;
let links: FastifyInstance;
let state: MidjourneyState;
let faults: FaultRegistry;

const pngSize = (b: Buffer) =>
  b.subarray(1, 4).toString() === 'PNG' ? { width: b.readUInt32BE(16), height: b.readUInt32BE(20) } : null;

function addJob(over: Partial<MjJob> = {}): MjJob {
  const now = Date.now();
  const job: MjJob = {
    job_id: `job-${state.jobs.size + 1}`,
    account: 'default',
    prompt: 'x',
    echo: 'x',
    mode: 'fast',
    kind: 'image',
    width: 1024,
    height: 768,
    batchSize: 4,
    submittedAt: now,
    completesAt: now + 60_000,
    statusRequests: 0,
    cdnRequests: 0,
    isQueued: false,
    ...over,
  };
  state.jobs.set(job.job_id, job);
  return job;
}
const render = (job: MjJob) => (job.completesAt = Date.now() - 1);
const get = (url: string) => cdn.inject({ method: 'GET', url });

beforeEach(async () => {
  state = new MidjourneyState({ speed: 1, jitter: 0, runningLimit: 3, staggerMs: 0, tokenLifetimeS: 3600 });
  faults = new FaultRegistry();
  cdn = Fastify({ logger: false });
  registerMidjourneyCdn(cdn, state, faults, APP_ORIGIN);
  links = Fastify({ logger: false });
  registerMidjourneyLinks(links, state);
  await Promise.all([cdn.ready(), links.ready()]);
});

afterEach(async () => {
  await Promise.all([cdn.close(), links.close()]);
});

describe('image cells', () => {
  it('answers 404 until the job has rendered, then 200 with a PNG of the job’s size', async () => {
    const job = addJob();
    expect((await get(`/${job.job_id}/0_0.png`)).statusCode).toBe(404);
    render(job);
    const res = await get(`/${job.job_id}/0_0.png?cb=1712_ab12cd`); // the cache buster is ignored
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(pngSize(res.rawPayload)).toEqual({ width: 1024, height: 768 });
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(job.cdnRequests).toBe(2);
  });

  it('serves real WebP for .webp cells and thumbnails, never PNG bytes under a WebP type', async () => {
    const job = addJob();
    render(job);
    const full = await get(`/${job.job_id}/0_1.webp`);
    expect(full.headers['content-type']).toBe('image/webp');
    expect(full.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    expect(webpSize(full.rawPayload)).toEqual({ width: 1024, height: 768 });
    const thumb = await get(`/${job.job_id}/0_2_384_N.webp?method=shortest`);
    expect(webpSize(thumb.rawPayload)).toEqual({ width: 384, height: 288 });
    const grid = await get(`/${job.job_id}/grid_0_640_N.webp`);
    expect(grid.headers['content-type']).toBe('image/webp');
    expect(webpSize(grid.rawPayload)).toEqual({ width: 640, height: 480 });
  });

  it('answers .jpeg with the PNG it has and says so in the Content-Type', async () => {
    const job = addJob();
    render(job);
    const res = await get(`/${job.job_id}/0_3.jpeg`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(pngSize(res.rawPayload)).toEqual({ width: 1024, height: 768 });
  });

  it('serves the grid at twice the cell size once the last cell exists', async () => {
    const job = addJob({ width: 512, height: 512 });
    render(job);
    const res = await get(`/${job.job_id}/grid_0.png`);
    expect(pngSize(res.rawPayload)).toEqual({ width: 1024, height: 1024 });
  });

  it('answers 404 for unknown jobs, cells beyond the batch and unknown file names', async () => {
    const job = addJob({ batchSize: 2 });
    render(job);
    for (const path of ['/nope/0_0.png', `/${job.job_id}/0_2.png`, `/${job.job_id}/0_0.gif`, `/${job.job_id}/x`]) {
      expect((await get(path)).statusCode, path).toBe(404);
    }
  });

  it('never serves the files of a moderated or stuck job', async () => {
    const moderated = addJob({ marker: 'moderated' });
    const stuck = addJob({ marker: 'stuck' });
    render(moderated);
    render(stuck);
    expect((await get(`/${moderated.job_id}/0_0.png`)).statusCode).toBe(404);
    expect((await get(`/${stuck.job_id}/0_0.png`)).statusCode).toBe(404);
  });
});

describe('videos and uploads', () => {
  it('serves mp4 files of a rendered video job under /video/', async () => {
    const job = addJob({ kind: 'video', width: 624, height: 624 });
    expect((await get(`/video/${job.job_id}/0.mp4`)).statusCode).toBe(404);
    render(job);
    const res = await get(`/video/${job.job_id}/0.mp4`);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.rawPayload.subarray(4, 8).toString()).toBe('ftyp');
    expect((await get(`/video/${job.job_id}/1_1080_N.mp4`)).statusCode).toBe(200);
    expect((await get(`/video/${job.job_id}/0_N.gif`)).headers['content-type']).toBe('image/gif');
  });

  it('serves uploads by bucket path on the CDN and by code on the short-link host', async () => {
    state.uploads.set('abc', {
      code: 'abc',
      bucketPathname: 'u1/f.png',
      bytes: Buffer.from('img'),
      contentType: 'image/png',
    });
    const viaCdn = await get('/u/u1/f.png');
    expect(viaCdn.statusCode).toBe(200);
    expect(viaCdn.body).toBe('img');
    const viaLink = await links.inject({ method: 'GET', url: '/abc' });
    expect(viaLink.headers['content-type']).toBe('image/png');
    expect(viaLink.body).toBe('img');
    expect((await get('/u/u1/missing.png')).statusCode).toBe(404);
    expect((await links.inject({ method: 'GET', url: '/zzz' })).statusCode).toBe(404);
  });
});

describe('CDN faults', () => {
  it('answers a challenge page, then a 5xx, then the file', async () => {
    const job = addJob();
    render(job);
    faults.add({ provider: 'midjourney', fault: 'challenge', endpoint: 'cdn', times: 1 });
    faults.add({ provider: 'midjourney', fault: 'server_error', endpoint: 'cdn', status: 504, times: 1 });
    const challenged = await get(`/${job.job_id}/0_0.png`);
    expect(challenged.statusCode).toBe(403);
    expect(challenged.body).toContain('challenge-platform');
    expect((await get(`/${job.job_id}/0_0.png`)).statusCode).toBe(504);
    expect((await get(`/${job.job_id}/0_0.png`)).statusCode).toBe(200);
  });

  it('cuts a download mid-file on network_drop, then serves it whole', async () => {
    const job = addJob();
    render(job);
    faults.add({ provider: 'midjourney', fault: 'network_drop', endpoint: 'cdn', times: 1 });
    const url = await cdn.listen({ port: 0, host: '127.0.0.1' });
    const cut = await fetch(`${url}/${job.job_id}/0_0.png`);
    expect(cut.headers.get('content-type')).toBe('image/png');
    await expect(cut.arrayBuffer()).rejects.toThrow(/terminated|other side closed/);
    const whole = await fetch(`${url}/${job.job_id}/0_0.png`);
    expect(pngSize(Buffer.from(await whole.arrayBuffer()))).toEqual({ width: 1024, height: 768 });
  });

  it('slows a download by the latency asked (slow_cdn and the plain latency switch)', async () => {
    const job = addJob();
    render(job);
    for (const fault of ['slow_cdn', 'latency'] as const) {
      faults.add({ provider: 'midjourney', fault, endpoint: 'cdn', latencyMs: 120, times: 1 });
      const started = Date.now();
      expect((await get(`/${job.job_id}/0_0.png`)).statusCode).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    }
  });
});
