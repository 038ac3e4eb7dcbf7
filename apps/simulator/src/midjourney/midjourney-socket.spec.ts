import { randomUUID } from 'node:crypto';
import { decode } from 'cbor-x';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { FaultRegistry } from '../faults/faults.js';
import { framePlan, registerMidjourneySocket } from './midjourney-socket.js';
import { MidjourneyState, type MjJob } from './midjourney-state.js';

// The websocket stand-in over a real loopback socket, with the `ws` client a test drives by hand.

let server: FastifyInstance;
let state: MidjourneyState;
let faults: FaultRegistry;
let base: string;
const open: WebSocket[] = [];

function job(account = 'default', renderMs = 120): MjJob {
  const now = Date.now();
  return {
    job_id: randomUUID(),
    account,
    prompt: 'a fox',
    echo: 'a fox',
    mode: 'fast',
    kind: 'image',
    width: 1024,
    height: 1024,
    batchSize: 4,
    submittedAt: now,
    completesAt: now + renderMs,
    statusRequests: 0,
    cdnRequests: 0,
    isQueued: false,
  };
}

/** Connects, subscribes, and collects decoded frames. */
async function subscriber(token = state.account('default').websocketToken) {
  const socket = new WebSocket(`${base}/ws?token=${token}`);
  open.push(socket);
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data: Buffer) => frames.push(decode(data) as Record<string, unknown>));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const subscriptions = state.requests['socket:subscriptions'] ?? 0;
  socket.send(JSON.stringify({ type: 'subscribe_to_user' }));
  await until(() => (state.requests['socket:subscriptions'] ?? 0) > subscriptions);
  return { socket, frames, closed };
}

async function until(check: () => boolean, ms = 3000) {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error('condition not met in time');
    },
    { timeout: ms, interval: 10 },
  );
}

beforeEach(async () => {
  state = new MidjourneyState({ speed: 1, jitter: 0, runningLimit: 3, staggerMs: 0, tokenLifetimeS: 3600 });
  faults = new FaultRegistry();
  server = Fastify();
  registerMidjourneySocket(server, state, faults);
  base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws');
});

afterEach(async () => {
  for (const socket of open.splice(0)) socket.terminate();
  await server.close();
});

describe('Midjourney websocket stand-in', () => {
  it('streams CBOR progress and completion frames of a job submitted after the subscription', async () => {
    const { frames } = await subscriber();
    const j = job();
    state.add(j);
    await until(() => frames.some((f) => f.current_status === 'completed'));
    expect(frames.map((f) => [f.job_id, f.current_status, f.percentage_complete])).toEqual([
      [j.job_id, 'running', 25],
      [j.job_id, 'running', 50],
      [j.job_id, 'running', 75],
      [j.job_id, 'completed', 100],
    ]);
    expect(frames[0].img).toBeInstanceOf(Uint8Array);
    expect(Date.now()).toBeGreaterThanOrEqual(j.completesAt);
  });

  it('streams nothing of jobs that started before the subscription, nor of other accounts', async () => {
    const before = job('default', 80);
    state.add(before);
    state.account('other');
    const { frames } = await subscriber();
    state.add(job('other', 40));
    const mine = job('default', 60);
    state.add(mine);
    await until(() => frames.some((f) => f.current_status === 'completed'));
    expect(new Set(frames.map((f) => f.job_id))).toEqual(new Set([mine.job_id]));
  });

  it('refuses an unknown token and a wrong path', async () => {
    const refused = (url: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(url);
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('error', () => undefined);
      });
    expect(await refused(`${base}/ws?token=nope`)).toBe(401);
    expect(await refused(`${base}/other?token=${state.account('default').websocketToken}`)).toBe(404);
  });

  it('cuts the socket at its next frame and refuses new ones while socket_drop is armed', async () => {
    const { frames, closed } = await subscriber();
    faults.add({ provider: 'midjourney', fault: 'socket_drop', endpoint: 'socket' });
    state.add(job());
    await closed;
    expect(frames).toEqual([]);
    expect(state.requests['socket:drops']).toBe(1);
    await expect(subscriber()).rejects.toThrow(/503/);
    faults.clear();
    await expect(subscriber()).resolves.toBeDefined();
  });

  it('plans the frames of failing, moderated and stuck jobs', () => {
    const j = job('default', 1000);
    expect(framePlan(state, { ...j, marker: 'fail' }).at(-1)).toMatchObject({ status: 'failed', at: 1000 });
    expect(framePlan(state, { ...j, marker: 'moderated' }).at(-1)).toMatchObject({ status: 'moderated', at: 500 });
    expect(framePlan(state, { ...j, marker: 'stuck' })).toEqual([{ at: 250, status: 'running', progress: 42 }]);
    state.timing.staggerMs = 100;
    expect(framePlan(state, j).at(-1)).toMatchObject({ status: 'completed', at: 1300 });
  });
});
