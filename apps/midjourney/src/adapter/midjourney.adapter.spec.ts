import type { Page } from 'puppeteer-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { BrowserSession, type BrowserState, type FetchInit, type FetchResult } from '@app/browser';
import { ProviderException, type JobMessage } from '@app/contracts';
import type { InflightState } from '@app/provider-adapter';
import type { ObjectStorage } from '@app/storage';
import { strictMock } from '../../../../test/strict-mock.js';
import { MidjourneyAdapterConfig } from './midjourney-adapter.config.js';
import { classifyFailure, MidjourneyAdapter } from './midjourney.adapter.js';

const APP = 'https://www.midjourney.com';
const CDN = 'https://cdn.midjourney.com';

type Reply = Partial<FetchResult> | Error;

/** A strict stand-in for the browser: answers scripted replies in order and records every call. */
class ScriptedBrowser extends BrowserSession {
  readonly calls: { origin: string; url: string; init: FetchInit }[] = [];
  readonly navigations: string[] = [];
  private replies: Reply[] = [];

  script(...replies: Reply[]) {
    this.replies.push(...replies);
  }

  fetch<T>(origin: string, url: string, init: FetchInit = {}): Promise<FetchResult<T>> {
    this.calls.push({ origin, url, init });
    const reply = this.replies.shift();
    if (!reply) throw new Error(`unexpected call ${init.method ?? 'GET'} ${url}`);
    if (reply instanceof Error) return Promise.reject(reply);
    return Promise.resolve({
      status: 200,
      ok: true,
      url,
      headers: {},
      body: undefined,
      ...reply,
      ...(reply.status ? { ok: reply.status < 300 } : {}),
    } as FetchResult<T>);
  }

  navigate(_origin: string, url: string): Promise<Page> {
    return Promise.reject(new Error(`the shared API page must not be navigated (${url})`));
  }

  /** Sign-in checks and session refreshes run in tabs of their own; this page always shows the prompt bar. */
  openTab(url: string): Promise<Page> {
    this.navigations.push(url);
    const tab = { waitForFunction: () => Promise.resolve({ jsonValue: () => Promise.resolve(this.marker) }) };
    return Promise.resolve(tab as unknown as Page);
  }

  marker: 'in' | 'out' | 'challenge' = 'in';

  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  page = (): Promise<Page> => Promise.reject(new Error('not used'));
  closeTab = () => Promise.resolve();
  cookies = () => Promise.resolve([]);
  saveCookies = () => Promise.resolve();
  state = (): BrowserState => ({ connected: true, launchedAt: null, relaunches: 0, pages: 1 });
  onRelaunch = () => undefined;
}

const job = (input: Record<string, unknown>, operation = 'imagine'): JobMessage => ({
  jobId: 'job-1',
  provider: 'midjourney',
  operation,
  input,
  deadlineAt: new Date(Date.now() + 60_000).toISOString(),
  createdAt: new Date().toISOString(),
});

const signal = () => AbortSignal.timeout(30_000);

async function failure(promise: Promise<unknown>): Promise<ProviderException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderException);
  return error as ProviderException;
}

describe('MidjourneyAdapter', () => {
  let browser: ScriptedBrowser;
  let adapter: MidjourneyAdapter;

  beforeEach(() => {
    browser = new ScriptedBrowser();
    adapter = new MidjourneyAdapter(
      browser,
      Object.assign(new MidjourneyAdapterConfig(), {
        appUrl: `${APP}/`,
        cdnUrl: CDN,
        userId: 'u-42',
        expectedRenderMs: 0,
      }),
      strictMock<ObjectStorage>('ObjectStorage'),
    );
  });

  describe('submit', () => {
    it('posts the web app’s exact body from inside the page and maps the accepted job', async () => {
      browser.script({
        body: {
          success: [
            {
              job_id: 'mj-1',
              prompt: 'a fox --v 7.0',
              is_queued: false,
              meta: { batch_size: 4, width: 1024, height: 768 },
            },
          ],
        },
      });
      const submission = await adapter.submit(job({ prompt: 'a fox’s den', options: { mode: 'fast' } }), signal());

      expect(browser.calls).toHaveLength(1);
      const [call] = browser.calls;
      expect(call.origin).toBe(APP);
      expect(call.url).toBe(`${APP}/api/submit-jobs`);
      expect(call.init.method).toBe('POST');
      expect(call.init.headers).toMatchObject({ 'x-csrf-protection': '1', 'content-type': 'application/json' });
      expect(JSON.parse(call.init.body!)).toEqual({
        f: { mode: 'fast', private: false },
        channelId: 'singleplayer_u-42',
        roomId: null,
        metadata: {
          isMobile: null,
          imagePrompts: 0,
          imageReferences: 0,
          characterReferences: 0,
          depthReferences: 0,
          lightboxOpen: null,
        },
        t: 'imagine',
        prompt: "a fox's den --chaos 5 --ar 4:3 --stylize 150 --weird 200 --v 7",
      });
      expect(submission).toMatchObject({
        providerJobId: 'mj-1',
        expectedCount: 5, // four cells and the grid composite
        kind: 'image',
        queued: false,
        providerPrompt: 'a fox --v 7.0',
        expectedDurationMs: 60_000,
      });
    });

    it('defaults to relaxed mode, as the original did, spelled `relax` as public web clients send it', async () => {
      browser.script({ body: { success: [{ job_id: 'mj-2' }] } });
      const submission = await adapter.submit(job({ prompt: 'x' }), signal());
      expect(JSON.parse(browser.calls[0].init.body!).f.mode).toBe('relax');
      expect(submission.expectedDurationMs).toBe(120_000);
    });

    it('turns failure[] answers and soft bans into their own codes', async () => {
      browser.script({ body: { failure: [{ type: 'moderation', message: 'Banned prompt detected: gore' }] } });
      expect((await failure(adapter.submit(job({ prompt: 'x' }), signal()))).code).toBe('CONTENT_REJECTED');
      browser.script({ body: { success: [{ job_id: 'mj-3', softban: true }] } });
      expect((await failure(adapter.submit(job({ prompt: 'x' }), signal()))).code).toBe('CONTENT_REJECTED');
      browser.script({ body: { success: [] } });
      expect((await failure(adapter.submit(job({ prompt: 'x' }), signal()))).code).toBe('PROVIDER_ERROR');
    });

    it('reports 429 with the Retry-After it was given', async () => {
      browser.script({ status: 429, headers: { 'retry-after': '7' }, body: {} });
      const error = await failure(adapter.submit(job({ prompt: 'x' }), signal()));
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.control).toEqual({ retryAfterMs: 7000 });
      expect(error.retriable).toBe(true);
    });

    it('reloads the page once on 401 and retries; a second 401 means signed out', async () => {
      browser.script({ status: 401, body: {} }, { body: { success: [{ job_id: 'mj-4' }] } });
      expect((await adapter.submit(job({ prompt: 'x' }), signal())).providerJobId).toBe('mj-4');
      expect(browser.navigations).toEqual([`${APP}/imagine`]);

      browser.script({ status: 401, body: {} }, { status: 401, body: {} });
      const error = await failure(adapter.submit(job({ prompt: 'x' }), signal()));
      expect(error.code).toBe('SIGNED_OUT');
      expect(error.retriable).toBe(false);
    });

    it('reloads once on a Cloudflare challenge, then reports it', async () => {
      browser.marker = 'challenge';
      const challenge = {
        status: 403,
        body: '<html><title>Just a moment...</title><div id="challenge-platform"></div></html>',
      };
      browser.script(challenge, challenge);
      expect((await failure(adapter.submit(job({ prompt: 'x' }), signal()))).code).toBe('CHALLENGE');
      expect(browser.navigations).toHaveLength(1);
    });

    it('marks a submit whose answer was lost as outcome-unknown, so it is reconciled rather than repeated', async () => {
      browser.script(Object.assign(new Error('In-page fetch timed out'), { name: 'TimeoutError' }));
      const error = await failure(adapter.submit(job({ prompt: 'x' }), signal()));
      expect(error.code).toBe('PROVIDER_TIMEOUT');
      expect(error.control).toEqual({ outcomeUnknown: true });
    });

    it('reconciles a submit answered by a server error instead of submitting again', async () => {
      browser.script({ status: 502, body: 'bad gateway' });
      const error = await failure(adapter.submit(job({ prompt: 'x' }), signal()));
      expect(error.code).toBe('PROVIDER_ERROR');
      expect(error.retriable).toBe(true);
      expect(error.control).toEqual({ outcomeUnknown: true });
    });

    it('refuses an invalid payload before any request', async () => {
      const error = await failure(adapter.submit(job({ prompt: '' }), signal()));
      expect(error.code).toBe('INVALID_PAYLOAD');
      expect(browser.calls).toHaveLength(0);
    });
  });

  describe('poll and download', () => {
    const state = (kind: 'image' | 'video' = 'image'): InflightState => ({
      job: job({ prompt: 'x' }),
      account: 'default',
      phase: 'submitted',
      submission: { providerJobId: 'mj-9', expectedCount: 4, kind, expectedDurationMs: 60_000 },
      stored: [],
      seq: 1,
      polls: 0,
      pollErrors: 0,
      submittedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });

    it('asks job-status for the job and reports progress while it runs', async () => {
      browser.script({ body: [{ id: 'mj-9', current_status: 'running', percentage_complete: 40 }] });
      expect(await adapter.poll(state(), signal())).toEqual({ state: 'running', progress: 40, ready: [] });
      expect(browser.calls[0].url).toBe(`${APP}/api/job-status`);
      expect(JSON.parse(browser.calls[0].init.body!)).toEqual({ jobIds: ['mj-9'] });
    });

    it('points at the four CDN cells when the job completed', async () => {
      browser.script({ body: [{ id: 'mj-9', current_status: 'completed', percentage_complete: 100 }] });
      const outcome = await adapter.poll(state(), signal());
      expect(outcome.state).toBe('completed');
      expect(outcome.ready.map((r) => r.url)).toEqual([0, 1, 2, 3].map((i) => `${CDN}/mj-9/0_${i}.png`));
    });

    it('points at the video files for a video job', async () => {
      browser.script({ body: [{ id: 'mj-9', current_status: 'completed' }] });
      expect((await adapter.poll(state('video'), signal())).ready.map((r) => r.url)[3]).toBe(`${CDN}/video/mj-9/3.mp4`);
    });

    it('fails moderated and failed jobs with their codes', async () => {
      browser.script({ body: [{ id: 'mj-9', current_status: 'moderated' }] });
      const moderated = await adapter.poll(state(), signal());
      expect(moderated.state).toBe('failed');
      expect(moderated.error?.code).toBe('CONTENT_REJECTED');
      browser.script({ body: [{ id: 'mj-9', current_status: 'failed' }] });
      expect((await adapter.poll(state(), signal())).error?.code).toBe('PROVIDER_ERROR');
    });

    it('probes the CDN when job-status does not know the job', async () => {
      browser.script({ body: [] });
      const outcome = await adapter.poll(state(), signal());
      expect(outcome.state).toBe('running');
      expect(outcome.ready).toHaveLength(4);
    });

    it('downloads a cell from the CDN page with a cache buster, and treats 404 as not ready', async () => {
      const png = Buffer.alloc(24);
      png.writeUInt32BE(0x89504e47, 0);
      png.writeUInt32BE(1024, 16);
      png.writeUInt32BE(768, 20);
      browser.script({ status: 404, body: Buffer.alloc(0) }, { headers: { 'content-type': 'image/png' }, body: png });
      const ref = { index: 2, kind: 'image' as const, url: `${CDN}/mj-9/0_2.png` };
      expect(await adapter.download(state(), ref, signal())).toBeNull();
      const file = await adapter.download(state(), ref, signal());
      expect(file).toMatchObject({ contentType: 'image/png', width: 1024, height: 768 });
      expect(browser.calls[1].origin).toBe(CDN);
      expect(new URL(browser.calls[1].url).searchParams.get('cb')).toBeTruthy();
      expect(browser.calls[1].init.responseType).toBe('bytes');
    });

    it('keeps the original storage layout under the idea id', () => {
      const s = state();
      s.job = { ...s.job, ideaId: '11111111-2222-3333-4444-555555555555' };
      const target = adapter.storageTarget(s, { index: 1, kind: 'image', url: '' });
      expect(target.bucket).toBe('product-designs');
      expect(target.path).toBe(
        `product_design/11111111-2222-3333-4444-555555555555/generated_${Date.parse(s.submittedAt!)}_1.png`,
      );
    });
  });

  describe('findSubmission', () => {
    it('finds the job our crashed submit created by its prompt, enqueued after the submit began', async () => {
      const began = Date.now() - 2_000;
      browser.script({
        body: {
          data: [
            {
              id: 'older',
              full_command: 'a fox --v 7.0',
              enqueue_time: new Date(began - 60_000).toISOString(),
              batch_size: 4,
            },
            {
              id: 'ours',
              full_command: 'a fox --chaos 5 --v 7.0',
              enqueue_time: new Date(began + 500).toISOString(),
              batch_size: 4,
            },
            {
              id: 'other',
              full_command: 'a wolf --v 7.0',
              enqueue_time: new Date(began + 600).toISOString(),
              batch_size: 4,
            },
          ],
        },
      });
      const state = {
        job: job({ prompt: 'a fox' }),
        account: 'default',
        phase: 'submitting',
        stored: [],
        seq: 0,
        polls: 0,
        pollErrors: 0,
        submittingAt: new Date(began).toISOString(),
        updatedAt: new Date(began).toISOString(),
      } as InflightState;
      const found = await adapter.findSubmission(state, signal());
      expect(found?.providerJobId).toBe('ours');
      expect(browser.calls[0].url).toBe(`${APP}/api/imagine?user_id=u-42&page_size=50`);
    });

    const submitting = (startedMsAgo: number) =>
      ({
        job: job({ prompt: 'a fox' }),
        account: 'default',
        phase: 'submitting',
        stored: [],
        seq: 0,
        polls: 0,
        pollErrors: 0,
        submittingAt: new Date(Date.now() - startedMsAgo).toISOString(),
        updatedAt: new Date().toISOString(),
      }) as InflightState;

    it('answers null when nothing matches in a feed old enough (the submit surely did not land)', async () => {
      browser.script({ body: { data: [] } });
      expect(await adapter.findSubmission(submitting(11_000), signal())).toBeNull();
    });

    it('cannot tell yet while the submit is too recent for the feed to list it, and says when to ask again', async () => {
      browser.script({ body: { data: [] } });
      const error = await failure(adapter.findSubmission(submitting(4_000), signal()));
      expect(error.code).toBe('SUBMISSION_UNKNOWN');
      expect(Number(error.control.retryAfterMs)).toBeGreaterThan(5_000);
      expect(Number(error.control.retryAfterMs)).toBeLessThanOrEqual(6_000);
    });
  });
});

describe('classifyFailure', () => {
  it.each([
    [{ type: 'queue_full', message: 'Maximum allowed concurrent jobs' }, 'QUEUE_FULL'],
    [{ type: 'invalid_parameter', message: 'Unrecognized parameter(s): --bogus' }, 'INVALID_PARAMETER'],
    [{ message: "Please verify you're human" }, 'CHALLENGE'],
    [{ type: 'moderation', message: 'Banned prompt' }, 'CONTENT_REJECTED'],
    [undefined, 'CONTENT_REJECTED'],
  ])('%j → %s', (input, code) => {
    expect(classifyFailure(input).code).toBe(code);
  });
});
