import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserSession, FetchResult } from '@app/browser';
import type { JobMessage } from '@app/contracts';
import type { InflightState } from '@app/provider-adapter';
import type { ObjectStorage } from '@app/storage';
import { strictMock, type StrictMock } from '../../../../test/strict-mock.js';
import { MidjourneyAdapterConfig } from './midjourney-adapter.config.js';
import type { MidjourneySocket } from './midjourney-socket.js';
import { MidjourneyAdapter } from './midjourney.adapter.js';

// The adapter's use of the websocket, on a strict browser and a strict socket double: which polls the socket answers
// (and so cost no /api/job-status call), subscription before submission, and the runtime's push hooks.

const APP = 'https://www.midjourney.com';
const CDN = 'https://cdn.midjourney.com';

let browser: StrictMock<BrowserSession>;
let socket: StrictMock<MidjourneySocket>;
let adapter: MidjourneyAdapter;
const signal = () => AbortSignal.timeout(5000);

const state = (): InflightState => ({
  job: {
    jobId: 'job-1',
    provider: 'midjourney',
    operation: 'imagine',
    input: { prompt: 'a fox', options: {} },
    deadlineAt: new Date(Date.now() + 60_000).toISOString(),
    createdAt: new Date().toISOString(),
  },
  account: 'default',
  phase: 'submitted',
  submission: { providerJobId: 'mj-1', expectedCount: 4, kind: 'image', expectedDurationMs: 60_000 },
  stored: [],
  seq: 1,
  polls: 0,
  pollErrors: 0,
  updatedAt: new Date().toISOString(),
});

const statusReply = (status: string, percent = 50) =>
  ({
    status: 200,
    ok: true,
    url: `${APP}/api/job-status`,
    headers: {},
    body: [{ id: 'mj-1', current_status: status, percentage_complete: percent }],
  }) as FetchResult;

beforeEach(() => {
  browser = strictMock<BrowserSession>('browser');
  socket = strictMock<MidjourneySocket>('socket', {
    live: () => true,
    latest: () => undefined,
    onNews: () => undefined, // named like a lifecycle hook: the strict double would hide it otherwise
  });
  adapter = new MidjourneyAdapter(
    browser,
    Object.assign(new MidjourneyAdapterConfig(), { appUrl: APP, cdnUrl: CDN, userId: 'u-1', socketFreshMs: 15_000 }),
    strictMock<ObjectStorage>('ObjectStorage'),
  );
  Object.assign(adapter, { socket });
});

describe('MidjourneyAdapter with the websocket', () => {
  it('completes from terminal socket news without asking /api/job-status', async () => {
    socket.latest.mockReturnValue({ jobId: 'mj-1', status: 'completed', progress: 100, at: Date.now() - 60_000 });
    const outcome = await adapter.poll(state(), signal());
    expect(outcome).toMatchObject({ state: 'completed', progress: 100 });
    expect(outcome.ready.map((r) => r.url)).toEqual([0, 1, 2, 3].map((i) => `${CDN}/mj-1/0_${i}.png`));
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('fails a job the socket says was moderated, even after the socket dropped', async () => {
    socket.live.mockReturnValue(false);
    socket.latest.mockReturnValue({ jobId: 'mj-1', status: 'moderated', at: Date.now() });
    const outcome = await adapter.poll(state(), signal());
    expect(outcome.state).toBe('failed');
    expect(outcome.error?.code).toBe('CONTENT_REJECTED');
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('answers progress from fresh news of a followed job, and asks /api/job-status when the news is stale', async () => {
    socket.latest.mockReturnValue({ jobId: 'mj-1', status: 'running', progress: 40, at: Date.now() - 1000 });
    expect(await adapter.poll(state(), signal())).toEqual({ state: 'running', progress: 40, ready: [] });
    expect(browser.fetch).not.toHaveBeenCalled();

    socket.latest.mockReturnValue({ jobId: 'mj-1', status: 'running', progress: 40, at: Date.now() - 20_000 });
    browser.fetch.mockResolvedValue(statusReply('running', 70));
    expect(await adapter.poll(state(), signal())).toMatchObject({ state: 'running', progress: 70 });
    expect(browser.fetch).toHaveBeenCalledTimes(1);
    expect(browser.fetch.mock.calls[0][1]).toBe(`${APP}/api/job-status`);
  });

  it('polls /api/job-status for a job the socket no longer follows, fresh news or not', async () => {
    socket.live.mockReturnValue(false);
    socket.latest.mockReturnValue({ jobId: 'mj-1', status: 'running', progress: 40, at: Date.now() });
    browser.fetch.mockResolvedValue(statusReply('completed', 100));
    expect((await adapter.poll(state(), signal())).state).toBe('completed');
    expect(browser.fetch).toHaveBeenCalledTimes(1);
  });

  it('subscribes before submitting and follows the accepted job with that socket', async () => {
    const order: string[] = [];
    socket.ready.mockImplementation(async () => {
      order.push('socket ready');
      return 7;
    });
    socket.follow.mockImplementation(() => undefined);
    browser.fetch.mockImplementation(async (_origin, url) => {
      order.push(`fetch ${url}`);
      return {
        status: 200,
        ok: true,
        url,
        headers: {},
        body: { success: [{ job_id: 'mj-9', meta: { batch_size: 4 } }], failure: [] },
      };
    });
    const job = {
      jobId: 'job-9',
      provider: 'midjourney',
      operation: 'imagine',
      input: { prompt: 'a fox', options: {} },
      deadlineAt: new Date(Date.now() + 60_000).toISOString(),
      createdAt: new Date().toISOString(),
    } as JobMessage;
    const submission = await adapter.submit(job, signal());
    expect(order).toEqual(['socket ready', `fetch ${APP}/api/submit-jobs`]);
    expect(socket.follow).toHaveBeenCalledWith('mj-9', 7);
    expect(submission.result).toEqual({
      providerResponse: { success: [{ job_id: 'mj-9', meta: { batch_size: 4 } }], failure: [] },
    });
  });

  it('submits anyway, unfollowed, when the socket cannot open in time', async () => {
    socket.ready.mockResolvedValue(undefined);
    browser.fetch.mockResolvedValue({
      status: 200,
      ok: true,
      url: `${APP}/api/submit-jobs`,
      headers: {},
      body: { success: [{ job_id: 'mj-2' }], failure: [] },
    });
    const job = {
      jobId: 'job-2',
      provider: 'midjourney',
      operation: 'imagine',
      input: { prompt: 'a fox', options: {} },
      deadlineAt: new Date(Date.now() + 60_000).toISOString(),
      createdAt: new Date().toISOString(),
    } as JobMessage;
    expect((await adapter.submit(job, signal())).providerJobId).toBe('mj-2');
    expect(socket.follow).not.toHaveBeenCalled();
  });

  it('hands the runtime’s wake to the socket and says which jobs come by push', () => {
    const wake = vi.fn();
    adapter.watch(wake);
    expect(socket.onNews).toHaveBeenCalledWith(wake);
    expect(adapter.pushes(state())).toBe(true);
    expect(socket.live).toHaveBeenCalledWith('mj-1');
    socket.live.mockReturnValue(false);
    expect(adapter.pushes(state())).toBe(false);
  });
});
