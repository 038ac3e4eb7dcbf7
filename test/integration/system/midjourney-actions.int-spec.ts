import { createServer, type Server } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, stopApp } from '../system.js';
import { pngSize } from './png.js';

// Every Midjourney operation end to end through /v1 with TWO accounts running (two workers, as two replicas of
// the service): follow-ups must run on the account that made their parent (the simulator knows another account's
// job as unknown, so a follow-up on the wrong account fails there). One system for the whole file: the machine is
// small. The test that stops an account runs last.
describe('Midjourney operations end to end, two accounts', () => {
  const system = new TestSystem({ simSpeed: 0.03 });
  let imageServer: Server;
  let imageUrl: (name: string) => string;
  let grid: any; // a completed imagine: parent of the follow-ups below

  const simJobs = async () => (await system.admin('GET', '/__admin/stats')).midjourney.jobs as any[];
  const simJob = async (providerJobId: string) => (await simJobs()).find((j) => j.job_id === providerJobId);
  const action = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    system.api('POST', '/v1/midjourney/actions', body, headers);
  const completed = (id: string) => system.waitForJob(id, (j) => ['completed', 'failed', 'timeout'].includes(j.status));

  beforeAll(async () => {
    await system.start();
    await system.startMidjourneyAccount('second');
    // Reference images on a local "public" host (private addresses are allowed in this test setup): 2×3 and 3×2.
    imageServer = createServer((req, res) => {
      const wide = req.url?.includes('wide');
      res.writeHead(200, { 'content-type': 'image/png' }).end(wide ? solidPng(3, 2) : solidPng(2, 3));
    });
    await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
    const address = imageServer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    imageUrl = (name) => `http://127.0.0.1:${port}/${name}.png`;

    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a red fox --ar 16:9 --c 40 --s 500',
      options: {
        ar: '1:1',
        mode: 'fast',
        seed: 7,
        style_refs: [imageUrl('style'), '1234'],
        style_weight: 300,
        no: 'text',
        raw: true,
      },
    });
    expect(created.status).toBe(202);
    grid = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
  }, 240_000);

  afterAll(async () => {
    imageServer?.close();
    await system.stop();
  });

  it('imagine: one of each flag, references uploaded, four cells, the grid composite and the follow-ups it allows', async () => {
    const sim = await simJob(grid.result.providerJobId);
    const flags = (sim.prompt as string).match(/--[a-z]+/g)!;
    expect(new Set(flags).size).toBe(flags.length); // exactly one of each
    expect(sim.prompt).toContain('--ar 1:1'); // the option beats the typed --ar 16:9
    expect(sim.prompt).toContain('--c 40'); // typed beats the default
    expect(sim.prompt).toContain('--s 500');
    expect(sim.prompt).toMatch(new RegExp(`--sref ${system.sim.midjourney.links}/\\S+ 1234 --sw 300`));
    expect(sim.prompt).toContain('--seed 7 --no text --raw');
    expect(sim.mode).toBe('fast');
    expect(sim.account).toBe(grid.result.account);
    expect(grid.result.images).toHaveLength(4);
    const composite = await fetch(grid.result.grid.url);
    expect(composite.status).toBe(200);
    expect(pngSize(Buffer.from(await composite.arrayBuffer()))).toEqual({ width: 2048, height: 2048 });
    expect(grid.result.actions).toEqual(
      expect.arrayContaining(['upscale:1', 'upscale:4', 'vary:2', 'reroll', 'pan:1:left', 'pan:4:down', 'animate:3']),
    );
  });

  it('refuses what cannot run, before anything is stored', async () => {
    const unknown = await action({ job_id: '00000000-0000-4000-8000-000000000000', action: 'reroll' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const other = await system.api('POST', '/v1/admin/keys', { name: 'other', scopes: ['midjourney'] });
    const foreign = await action({ job_id: grid.id, action: 'reroll' }, { 'x-api-key': other.body.key });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const zoom = await action({ job_id: grid.id, action: 'zoom', index: 1, factor: 2 });
    expect([zoom.status, zoom.body.error.code]).toEqual([422, 'NOT_SUPPORTED']);
    const noIndex = await action({ job_id: grid.id, action: 'upscale' });
    expect([noIndex.status, noIndex.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const badIndex = await action({ job_id: grid.id, action: 'vary', index: 5 });
    expect(badIndex.status).toBe(400);
    const misplaced = await action({ job_id: grid.id, action: 'reroll', direction: 'up' });
    expect([misplaced.status, misplaced.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const extendImage = await action({ job_id: grid.id, action: 'extend', index: 1 });
    expect([extendImage.status, extendImage.body.error.code]).toEqual([422, 'ACTION_NOT_ALLOWED']);
    const slow = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a slow one [[stuck]]' });
    const early = await action({ job_id: slow.body.id, action: 'upscale', index: 1 });
    expect([early.status, early.body.error.code]).toEqual([409, 'PARENT_NOT_READY']);
    await system.api('POST', `/v1/jobs/${slow.body.id}/cancel`);
    const omniNiji = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'x',
      options: { niji: '6', omni_ref: imageUrl('omni') },
    });
    expect([omniNiji.status, omniNiji.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('upscale, vary (remix), reroll and pan run on the parent’s account; an upscale cannot be upscaled again', async () => {
    const before = (await system.admin('GET', '/__admin/stats')).midjourney.submitsByType;
    const upscale = await action(
      { job_id: grid.id, action: 'upscale', index: 2, type: 'creative' },
      { prefer: 'wait=60', 'idempotency-key': `up-${grid.id}` },
    );
    expect(upscale.status).toBe(200); // Prefer: wait answered with the finished job
    expect(upscale.body).toMatchObject({ operation: 'upscale', status: 'completed' });
    const again = await action(
      { job_id: grid.id, action: 'upscale', index: 2, type: 'creative' },
      { 'idempotency-key': `up-${grid.id}` },
    );
    expect(again.body.id).toBe(upscale.body.id);

    const created = await Promise.all([
      action({ job_id: grid.id, action: 'vary', index: 1, strength: 'strong', prompt: 'a blue fox' }),
      action({ job_id: grid.id, action: 'reroll' }),
      action({ job_id: grid.id, action: 'pan', index: 4, direction: 'left' }),
    ]);
    for (const c of created) expect(c.status).toBe(202);
    const [vary, reroll, pan] = await Promise.all(created.map((c) => completed(c.body.id)));
    for (const job of [upscale.body, vary, reroll, pan]) {
      expect(job.status).toBe('completed');
      expect(job.result.account).toBe(grid.result.account);
      const sim = await simJob(job.result.providerJobId);
      expect(sim.account).toBe(grid.result.account);
      expect(sim.parentId).toBe(grid.result.providerJobId);
    }
    expect(upscale.body.result.images).toHaveLength(1);
    expect(upscale.body.result.grid).toBeUndefined();
    expect(upscale.body.result.actions).toEqual([
      'vary:1',
      'pan:1:up',
      'pan:1:down',
      'pan:1:left',
      'pan:1:right',
      'animate:1',
    ]);
    for (const job of [vary, reroll, pan]) {
      expect(job.result.images).toHaveLength(4);
      expect(job.result.grid.url).toBeTruthy();
      expect(job.result.actions).toContain('upscale:4');
    }
    expect((await simJob(vary.result.providerJobId)).prompt).toBe('a blue fox');
    const after = (await system.admin('GET', '/__admin/stats')).midjourney.submitsByType;
    for (const t of ['upscale', 'remix', 'reroll', 'pan']) expect((after[t] ?? 0) - (before[t] ?? 0)).toBe(1);

    const twice = await action({ job_id: upscale.body.id, action: 'upscale', index: 1 });
    expect([twice.status, twice.body.error.code]).toEqual([422, 'ACTION_NOT_ALLOWED']);
    expect(twice.body.error.details.allowed).toContain('vary:1');
  });

  it('animate a grid cell, then extend one of its videos, on the parent’s account', async () => {
    const animate = await action({
      job_id: grid.id,
      action: 'animate',
      index: 3,
      motion: 'low',
      batch_size: 2,
      loop: true,
    });
    expect(animate.status).toBe(202);
    const video = await completed(animate.body.id);
    expect(video.status).toBe('completed');
    expect(video.result.videos).toHaveLength(2);
    expect(video.result.actions).toEqual(['extend:1', 'extend:2']);
    const simVideo = await simJob(video.result.providerJobId);
    expect(simVideo).toMatchObject({ account: grid.result.account, parentId: grid.result.providerJobId });
    expect(simVideo.prompt).toBe('--bs 2 --motion low --video 1 --end loop');

    const extend = await action({ job_id: video.id, action: 'extend', index: 2, prompt: 'the camera pulls back' });
    const extended = await completed(extend.body.id);
    expect(extended.status).toBe('completed');
    expect(extended.result.videos.length).toBeGreaterThan(0);
    expect((await simJob(extended.result.providerJobId)).account).toBe(grid.result.account);
    const pan = await action({ job_id: video.id, action: 'pan', index: 1, direction: 'up' });
    expect([pan.status, pan.body.error.code]).toEqual([422, 'ACTION_NOT_ALLOWED']);
  });

  it('describe answers four prompts; blend imagines the uploaded images at the dimensions’ --ar', async () => {
    const [describe, blend] = await Promise.all([
      system.api('POST', '/v1/midjourney/describe', { image_url: imageUrl('wide') }),
      system.api('POST', '/v1/midjourney/blend', {
        image_urls: [imageUrl('a'), imageUrl('b'), imageUrl('wide')],
        dimensions: 'landscape',
      }),
    ]);
    expect([describe.status, blend.status]).toEqual([202, 202]);
    const [described, blended] = await Promise.all([completed(describe.body.id), completed(blend.body.id)]);
    expect(described.status).toBe('completed');
    expect(described.result.descriptions).toHaveLength(4);
    expect(described.result.descriptions[0]).toContain('--ar 3:2'); // it saw our wide image
    expect(described.result.images).toEqual([]);
    expect(blended.status).toBe('completed');
    expect(blended.result.images).toHaveLength(4);
    const sim = await simJob(blended.result.providerJobId);
    const links = (sim.prompt as string).split(' ').filter((w) => w.startsWith(system.sim.midjourney.links));
    expect(links).toHaveLength(3);
    expect(sim.prompt.endsWith('--ar 3:2')).toBe(true);
    expect(blended.result.actions).toContain('reroll');
  });

  it('a follow-up of an account that is gone waits, then fails ACCOUNT_UNAVAILABLE at its deadline', async () => {
    // Stop the worker of the parent's account; the other account stays up and must not take the job.
    await stopApp(grid.result.account === 'second' ? system.extraMidjourney.get('second')!.app : system.worker);
    const before = (await system.admin('GET', '/__admin/stats')).midjourney.submitsByType.reroll ?? 0;
    const created = await action({ job_id: grid.id, action: 'reroll', timeout_seconds: 30 });
    expect(created.status).toBe(202);
    const waiting = await system.api('GET', `/v1/jobs/${created.body.id}`);
    expect(waiting.body).toMatchObject({ status: 'pending', queue: { position: 1, mode: 'fast' } });
    const job = await system.waitForJob(created.body.id, (j) => j.status !== 'pending', 60_000);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('ACCOUNT_UNAVAILABLE');
    expect(Date.parse(job.completed_at)).toBeGreaterThanOrEqual(Date.parse(job.deadline_at));
    expect((await system.admin('GET', '/__admin/stats')).midjourney.submitsByType.reroll ?? 0).toBe(before);
  }, 90_000);
});

/** A solid PNG of w×h (enough for the simulator's uploads and describe). */
function solidPng(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0, 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.concat(
    Array.from({ length: h }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 200)])),
  );
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
