import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultRegistry } from '../faults/faults.js';
import { ID_COOKIE, REFRESH_COOKIE, registerMidjourneyApp } from './midjourney-app.js';
import { MidjourneyState, type MjAccount } from './midjourney-state.js';

// Follow-ups at the HTTP level: each `t` with its recorded fields, parents of the same account only, site indexes
// 0–3, result sizes (upscale one image, grids of four, videos per --bs), and submissions counted per `t`.
let app: FastifyInstance;
let state: MidjourneyState;
let account: MjAccount;

const cookie = (a: MjAccount) => `${ID_COOKIE}=${a.idToken}; ${REFRESH_COOKIE}=${a.refreshToken}`;

async function submit(fields: Record<string, unknown>, who: MjAccount = account) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/submit-jobs',
    headers: { cookie: cookie(who), 'x-csrf-protection': '1' },
    payload: { f: { mode: 'fast', private: false }, channelId: `singleplayer_${who.userId}`, metadata: {}, ...fields },
  });
  return res.json<{ success: Array<{ job_id: string; meta: { batch_size: number } }>; failure: unknown[] }>();
}

/** A finished job of `who` (the clock is the simulator's: completesAt in the past). */
async function finished(fields: Record<string, unknown>, who: MjAccount = account): Promise<string> {
  const { success } = await submit(fields, who);
  const job = state.jobs.get(success[0].job_id)!;
  job.completesAt = Date.now() - 1;
  return job.job_id;
}

beforeEach(async () => {
  state = new MidjourneyState({ speed: 0.001, jitter: 0, runningLimit: 9, staggerMs: 0, tokenLifetimeS: 3600 });
  account = state.account('default');
  app = Fastify({ logger: false });
  registerMidjourneyApp(app, state, new FaultRegistry(), {
    app: 'http://localhost:1',
    cdn: 'http://localhost:2',
    links: 'http://localhost:3',
    host: 'localhost',
  });
  await app.ready();
});

afterEach(() => app.close());

describe('follow-ups', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['upscale', { t: 'upscale', index: 3, type: 'v7_2x_creative' }, 1],
    ['vary', { t: 'vary', index: 0, strong: true }, 4],
    ['remix', { t: 'remix', index: 1, strong: false, newPrompt: 'a wolf --v 7' }, 4],
    ['reroll', { t: 'reroll' }, 4],
    ['pan', { t: 'pan', index: 2, direction: 3, newPrompt: 'a fox --v 7', fraction: 0.5, stitch: true }, 4],
  ])('accepts %s of a finished grid with batch %i', async (_name, fields, batch) => {
    const id = await finished({ t: 'imagine', prompt: 'a fox --ar 1:1 --v 7' });
    const { success, failure } = await submit({ ...fields, id });
    expect(failure).toEqual([]);
    expect(success[0].meta.batch_size).toBe(batch);
    expect(state.jobs.get(success[0].job_id)).toMatchObject({ parentId: id, t: fields.t });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['index 4 (the 1–4 form)', { t: 'vary', index: 4, strong: false }, /index/],
    ['an unknown upscale type', { t: 'upscale', index: 0, type: 'v6_2x' }, /type/],
    ['vary without strong', { t: 'vary', index: 0 }, /strong/],
    ['pan without fraction/stitch', { t: 'pan', index: 0, direction: 1, newPrompt: 'x' }, /pan/],
    ['a remix without a prompt', { t: 'remix', index: 0, strong: true }, /prompt/i],
  ])('refuses %s', async (_name, fields, message) => {
    const id = await finished({ t: 'imagine', prompt: 'a fox --v 7' });
    const { success, failure } = await submit({ ...fields, id });
    expect(success).toEqual([]);
    expect(JSON.stringify(failure)).toMatch(message);
  });

  it('knows another account’s job as unknown, and refuses a parent still running or an upscale of an upscale', async () => {
    const other = state.account('second');
    const theirs = await finished({ t: 'imagine', prompt: 'a fox --v 7' }, other);
    expect(JSON.stringify((await submit({ t: 'reroll', id: theirs })).failure)).toMatch(/Unknown parent/);
    const running = (await submit({ t: 'imagine', prompt: 'a fox --v 7' })).success[0].job_id;
    expect(JSON.stringify((await submit({ t: 'reroll', id: running })).failure)).toMatch(/not completed/);
    const grid = await finished({ t: 'imagine', prompt: 'a fox --v 7' });
    const up = await finished({ t: 'upscale', id: grid, index: 0, type: 'v7_2x_subtle' });
    expect(JSON.stringify((await submit({ t: 'upscale', id: up, index: 0, type: 'v7_2x_subtle' })).failure)).toMatch(
      /upscale an upscale/,
    );
  });

  it('animates a grid cell and extends a finished video, with --bs deciding the batch', async () => {
    const grid = await finished({ t: 'imagine', prompt: 'a fox --v 7' });
    const video = (videoType: string, job_id: string, image_num: number, newPrompt: string) =>
      ({ t: 'video', videoType, newPrompt, parentJob: { job_id, image_num }, animateMode: 'manual' }) as const;
    const animated = await submit(video('vid_1.1_i2v_480', grid, 1, '--bs 2 --motion low --video 1'));
    expect(animated.success[0].meta.batch_size).toBe(2);
    state.jobs.get(animated.success[0].job_id)!.completesAt = Date.now() - 1;
    const extended = await submit(
      video('vid_1.1_i2v_extend_480', animated.success[0].job_id, 0, '--motion high --video 1'),
    );
    expect(extended.failure).toEqual([]);
    // An image cannot be extended, a video cannot be animated, a start-end video needs --end, and --ar/--chaos
    // do not go with --video.
    expect((await submit(video('vid_1.1_i2v_extend_480', grid, 0, '--motion high --video 1'))).success).toEqual([]);
    expect((await submit(video('vid_1.1_i2v_480', animated.success[0].job_id, 0, '--video 1'))).success).toEqual([]);
    expect((await submit(video('vid_1.1_i2v_start_end_480', grid, 0, '--motion high --video 1'))).success).toEqual([]);
    expect((await submit(video('vid_1.1_i2v_480', grid, 0, '--ar 1:1 --motion high --video 1'))).success).toEqual([]);
  });

  it('refuses a prompt that repeats a flag (aliases count)', async () => {
    const { failure } = await submit({ t: 'imagine', prompt: 'a fox --ar 16:9 --aspect 4:3 --v 7' });
    expect(JSON.stringify(failure)).toMatch(/Duplicate parameter/);
    expect(JSON.stringify((await submit({ t: 'imagine', prompt: 'a fox --c 5 --chaos 9' })).failure)).toMatch(
      /Duplicate/,
    );
  });

  it('counts submissions per t', async () => {
    const grid = await finished({ t: 'imagine', prompt: 'a fox --v 7' });
    await submit({ t: 'reroll', id: grid });
    await submit({ t: 'upscale', id: grid, index: 0, type: 'v7_2x_subtle' });
    await submit({ t: 'zoom', id: grid });
    expect(state.submitsByType).toEqual({ imagine: 1, reroll: 1, upscale: 1, zoom: 1 });
  });
});
