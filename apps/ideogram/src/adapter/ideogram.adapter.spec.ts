import type { Page } from 'puppeteer-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserSession, type BrowserState, type FetchInit, type FetchResult } from '@app/browser';
import { ProviderException, type JobMessage } from '@app/contracts';
import type { InflightState } from '@app/provider-adapter';
import { IdeogramAdapterConfig } from './ideogram-adapter.config.js';
import type { IdeogramSession } from './ideogram-session.js';
import { IdeogramAdapter } from './ideogram.adapter.js';

const APP = 'https://ideogram.ai';
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
    this.navigations.push(url);
    return Promise.resolve({} as Page);
  }

  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  page = (): Promise<Page> => Promise.reject(new Error('not used'));
  openTab = (): Promise<Page> => Promise.reject(new Error('not used'));
  closeTab = () => Promise.resolve();
  cookies = () => Promise.resolve([]);
  saveCookies = () => Promise.resolve();
  state = (): BrowserState => ({ connected: true, launchedAt: null, relaunches: 0, pages: 1 });
  onRelaunch = () => undefined;
}

/** The session as the adapter sees it: identity, headers with the current token, and a refresh that rotates it. */
function fakeSession(options: { token?: string } = { token: 't1' }) {
  const state = { token: options.token, refreshes: 0 };
  const session = {
    state,
    identity: vi.fn(() => Promise.resolve({ userId: 'user-1', orgId: 'org-1' })),
    headers: vi.fn((_signal: AbortSignal, caller?: string, json = true) =>
      Promise.resolve({
        accept: '*/*',
        ...(json ? { 'content-type': 'application/json' } : {}),
        'x-ideo-org': 'org-1',
        ...((caller ?? state.token) ? { authorization: `Bearer ${caller ?? state.token}` } : {}),
      }),
    ),
    hasToken: () => !!state.token,
    refresh: vi.fn(() => {
      state.refreshes++;
      state.token = `t${state.refreshes + 1}`;
      return Promise.resolve({ value: state.token, expiresAt: Date.now() + 3600_000 });
    }),
    check: vi.fn(),
  };
  return session;
}

const job = (operation: string, input: Record<string, unknown>): JobMessage => ({
  jobId: 'job-1',
  provider: 'ideogram',
  operation,
  input,
  deadlineAt: new Date(Date.now() + 600_000).toISOString(),
  createdAt: new Date().toISOString(),
});

const inflight = (
  operation: string,
  input: Record<string, unknown>,
  submission: Partial<InflightState['submission']> = {},
): InflightState => ({
  job: job(operation, input),
  account: 'default',
  phase: 'submitted',
  submission: { providerJobId: 'req-1', expectedCount: 1, kind: 'image', expectedDurationMs: 60_000, ...submission },
  stored: [],
  seq: 1,
  polls: 0,
  pollErrors: 0,
  submittedAt: new Date(Date.now() - 30_000).toISOString(),
  submittingAt: new Date(Date.now() - 31_000).toISOString(),
  updatedAt: new Date().toISOString(),
});

const signal = () => AbortSignal.timeout(30_000);
const QUOTA_OK = { body: { allowed_to_generate: true, inflight_requests: 0, max_inflight_requests: 1 } };

async function failure(promise: Promise<unknown>): Promise<ProviderException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderException);
  return error as ProviderException;
}

describe('IdeogramAdapter', () => {
  let browser: ScriptedBrowser;
  let session: ReturnType<typeof fakeSession>;
  let adapter: IdeogramAdapter;
  let imageFetch: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    browser = new ScriptedBrowser();
    session = fakeSession();
    adapter = new IdeogramAdapter(
      browser,
      session as unknown as IdeogramSession,
      Object.assign(new IdeogramAdapterConfig(), {
        appUrl: `${APP}/`,
        describeDelayMs: 0,
        allowPrivateUrls: true,
        inflightWaitMs: 2500,
      }),
    );
    // The caller's source image (fetched outside the browser, with the SSRF guard).
    imageFetch = vi.fn(() =>
      Promise.resolve(new Response(new Uint8Array([0x89, 0x50]), { headers: { 'content-type': 'image/png' } })),
    );
    vi.stubGlobal('fetch', imageFetch);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  describe('submit', () => {
    it('checks the quota, then samples from inside the page with the web client’s headers', async () => {
      browser.script(QUOTA_OK, { body: { request_id: 'req-9', rejected_prompt_id: null } });
      const submission = await adapter.submit(job('generate', { prompt: 'a fox', numImages: 2 }), signal());

      expect(browser.calls.map((c) => `${c.init.method} ${c.url.split('?')[0]}`)).toEqual([
        `GET ${APP}/api/account/user_task_quota_stats`,
        `POST ${APP}/api/images/sample`,
      ]);
      const sample = browser.calls[1];
      expect(sample.origin).toBe(APP);
      expect(sample.init.headers).toMatchObject({
        'x-ideo-org': 'org-1',
        authorization: 'Bearer t1',
        'content-type': 'application/json',
        'x-request-id': expect.stringMatching(/^[0-9a-f]{32}$/),
        traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/),
      });
      expect(JSON.parse(sample.init.body!)).toMatchObject({ prompt: 'a fox', user_id: 'user-1', num_images: 2 });
      expect(submission).toMatchObject({
        providerJobId: 'req-9',
        expectedCount: 2,
        kind: 'image',
        expectedDurationMs: 60_000,
        result: { requestId: 'req-9', prompt: 'a fox', providerResponse: { request_id: 'req-9' } },
      });
    });

    it('remixes: uploads the fetched image, captions it, and samples a variation of the upload', async () => {
      browser.script(
        QUOTA_OK,
        { body: { success: true, id: 'up-1' } },
        { body: [{ caption: 'a red mug' }] },
        { body: { request_id: 'req-2' } },
      );
      const submission = await adapter.submit(
        job('remix', { imageUrl: 'http://img.local/a.png', prompt: 'ignored', layout: 'variation' }),
        signal(),
      );
      expect(imageFetch).toHaveBeenCalledTimes(1);
      const [, upload, describe, sample] = browser.calls;
      expect(upload.url).toBe(`${APP}/api/uploads/upload`);
      expect(upload.init.form?.map((f) => f.name)).toEqual(['file', 'preserve_alpha', 'upload_type']);
      expect(upload.init.headers).not.toHaveProperty('content-type'); // the page sets the multipart boundary
      expect(JSON.parse(describe.init.body!)).toEqual({ image_id: 'up-1', captioner_model_version: 'V_3_0' });
      expect(JSON.parse(sample.init.body!)).toMatchObject({
        prompt: 'a red mug',
        parent: { image_id: 'up-1', weight: 70, type: 'VARIATION' },
      });
      expect(submission.meta).toEqual({ layout: 'variation', uploadId: 'up-1' });
      expect(submission.result).toMatchObject({ caption: 'a red mug', uploadId: 'up-1', prompt: 'a red mug' });
    });

    it('uses a MANUAL prompt as given, and an existing upload without fetching anything', async () => {
      browser.script(QUOTA_OK, { body: { request_id: 'req-3' } });
      await adapter.submit(
        job('remix', { imageId: 'up-7', prompt: 'my words', promptSource: 'MANUAL', layout: 'custom' }),
        signal(),
      );
      expect(imageFetch).not.toHaveBeenCalled();
      expect(JSON.parse(browser.calls[1].init.body!)).toMatchObject({
        prompt: 'my words',
        parent: { image_id: 'up-7' },
      });
    });

    it('falls back to the original’s caption when Ideogram has none', async () => {
      browser.script(QUOTA_OK, { body: { success: true, id: 'up-1' } }, { body: [] }, { body: { request_id: 'r' } });
      const submission = await adapter.submit(job('remix', { imageUrl: 'http://img.local/a.png' }), signal());
      expect(submission.submittedPrompt).toBe('A beautiful design');
      expect(submission.result?.caption).toBeNull();
    });

    it('waits in the queue for the in-flight slot before uploading anything', async () => {
      browser.script({ body: { allowed_to_generate: false, inflight_requests: 1, max_inflight_requests: 1 } });
      const error = await failure(adapter.submit(job('remix', { imageUrl: 'http://img.local/a.png' }), signal()));
      expect(error.code).toBe('QUEUE_FULL');
      expect(error.control).toEqual({ waitInQueue: true, retryAfterMs: 2500 });
      expect(imageFetch).not.toHaveBeenCalled();
      expect(browser.calls).toHaveLength(1);
    });

    it('fails the job with UPLOAD_FAILED when the source image cannot be fetched or uploaded', async () => {
      imageFetch.mockResolvedValueOnce(new Response('nope', { status: 404 }));
      browser.script(QUOTA_OK);
      expect((await failure(adapter.submit(job('remix', { imageUrl: 'http://img.local/x' }), signal()))).code).toBe(
        'UPLOAD_FAILED',
      );
      browser.script(QUOTA_OK, { status: 400, body: { success: false, error_message: 'bad file' } });
      const refused = await failure(adapter.submit(job('remix', { imageUrl: 'http://img.local/x' }), signal()));
      expect(refused.code).toBe('UPLOAD_FAILED');
      expect(refused.message).toMatch(/bad file/);
    });

    it('marks a sample whose answer was lost as possibly accepted, but not the calls before it', async () => {
      browser.script(QUOTA_OK, Object.assign(new Error('Network failure in page fetch'), { name: 'NetworkError' }));
      const lost = await failure(adapter.submit(job('generate', { prompt: 'x' }), signal()));
      expect(lost.control).toEqual({ outcomeUnknown: true });
      browser.script(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
      const quota = await failure(adapter.submit(job('generate', { prompt: 'x' }), signal()));
      expect(quota.code).toBe('PROVIDER_TIMEOUT');
      expect(quota.details).toBeUndefined();
    });

    it('refuses an unknown operation and an invalid payload before any call', async () => {
      expect((await failure(adapter.submit(job('inpaint', {}), signal()))).code).toBe('INVALID_PAYLOAD');
      expect((await failure(adapter.submit(job('generate', { prompt: 'x', numImages: 9 }), signal()))).code).toBe(
        'INVALID_PAYLOAD',
      );
      expect(browser.calls).toHaveLength(0);
    });

    it('removes a background at once and remembers the new asset for the download', async () => {
      browser.script({ body: { success: true, asset_id: 'nobg-1' } });
      const submission = await adapter.submit(job('remove-background', { assetId: 'resp-1' }), signal());
      expect(JSON.parse(browser.calls[0].init.body!)).toEqual({ asset_type: 'RESPONSE', asset_id: 'resp-1' });
      expect(submission).toMatchObject({ providerJobId: 'nobg-1', expectedCount: 1, meta: { assetId: 'nobg-1' } });
      const outcome = await adapter.poll(inflight('remove-background', {}, submission), signal());
      expect(outcome).toEqual({
        state: 'completed',
        progress: 100,
        ready: [{ index: 0, kind: 'image', url: `${APP}/api/download/response/nobg-1/image?quality=PNG` }],
      });
    });

    it('describes an image as a job without files', async () => {
      browser.script({ body: [{ caption: 'a cat' }] });
      const submission = await adapter.submit(job('describe', { uploadId: 'up-2' }), signal());
      expect(submission).toMatchObject({ expectedCount: 0, result: { caption: 'a cat', uploadId: 'up-2' } });
      expect(await adapter.poll(inflight('describe', {}, submission), signal())).toEqual({
        state: 'completed',
        progress: 100,
        ready: [],
        expectedCount: 0,
      });
    });
  });

  describe('calls', () => {
    it('refreshes the token once on a 401 and retries with the new one', async () => {
      browser.script({ status: 401, body: { detail: 'Token expired' } }, { body: { ok: 1 } });
      const res = await adapter.call('GET', '/api/x', undefined, signal());
      expect(res.body).toEqual({ ok: 1 });
      expect(session.refresh).toHaveBeenCalledTimes(1);
      expect(browser.calls.map((c) => c.init.headers?.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
    });

    it('calls a session still refused after the refresh signed out', async () => {
      browser.script({ status: 403, body: { detail: 'nope' } }, { status: 401, body: { detail: 'nope' } });
      const error = await failure(adapter.call('GET', '/api/x', undefined, signal()));
      expect(error.code).toBe('SIGNED_OUT');
      expect(error.details).toBeUndefined();
    });

    it('reloads a cookie-only session once instead of refreshing a token', async () => {
      session.state.token = undefined;
      browser.script({ status: 401, body: {} }, { body: { ok: 1 } });
      await adapter.call('GET', '/api/x', undefined, signal());
      expect(session.refresh).not.toHaveBeenCalled();
      expect(browser.navigations).toEqual([`${APP}/t/explore`]);
    });

    it('never refreshes or keeps a caller’s token, and names it as the caller’s when refused', async () => {
      browser.script({ status: 401, body: { detail: 'Invalid token' } });
      const error = await failure(adapter.call('GET', '/api/x', undefined, signal(), { token: 'callers' }));
      expect(browser.calls[0].init.headers?.authorization).toBe('Bearer callers');
      expect(session.refresh).not.toHaveBeenCalled();
      expect(error.details).toEqual({ status: 401 });
      expect(error.control).toEqual({ callerToken: true });
    });

    it('reloads once on a challenge page, then reports CHALLENGE', async () => {
      const html = '<html><title>Just a moment...</title></html>';
      browser.script({ status: 403, body: html }, { status: 403, body: html });
      expect((await failure(adapter.call('GET', '/api/x', undefined, signal()))).code).toBe('CHALLENGE');
      expect(browser.navigations).toHaveLength(1);
      expect(session.refresh).not.toHaveBeenCalled();
    });

    it('classifies 429s and 5xx', async () => {
      browser.script({ status: 429, headers: { 'retry-after': '3' }, body: { detail: 'slow down' } });
      const limited = await failure(adapter.call('GET', '/api/x', undefined, signal()));
      expect(limited.code).toBe('RATE_LIMITED');
      expect(limited.control).toEqual({ retryAfterMs: 3000 });
      browser.script({ status: 502, body: 'Bad gateway' });
      const broken = await failure(adapter.call('GET', '/api/x', undefined, signal()));
      expect(broken.code).toBe('PROVIDER_ERROR');
      expect(broken.retriable).toBe(true);
    });
  });

  describe('poll and download', () => {
    const poll = (entry: Record<string, unknown>) => {
      browser.script({ body: { sampling_requests: [{ request_id: 'req-1', ...entry }] } });
      return adapter.poll(inflight('generate', { prompt: 'x' }), signal());
    };

    it('reports progress, paces the hold at 99 %, and completes with every response', async () => {
      expect(await poll({ has_started: true, completion_percentage: 40 })).toEqual({
        state: 'running',
        progress: 40,
        ready: [],
      });
      const holding = await poll({ has_started: true, completion_percentage: 99 });
      expect(holding.retryAfterMs).toBeGreaterThanOrEqual(400);
      expect(holding.retryAfterMs).toBeLessThanOrEqual(3000);
      const done = await poll({ is_completed: true, has_started: true, responses: [{ response_id: 'a' }] });
      expect(done).toEqual({
        state: 'completed',
        progress: 100,
        ready: [{ index: 0, kind: 'image', url: `${APP}/api/download/response/a/image?quality=PNG` }],
        expectedCount: 1,
        result: { requestId: 'req-1', responseIds: ['a'] },
      });
      expect(JSON.parse(browser.calls[0].init.body!)).toEqual({ request_ids: ['req-1'] });
    });

    it('fails an errored request and retries a poll that does not list the request', async () => {
      const failed = await poll({ is_errored: true, error_reason: 'Flagged by safety' });
      expect(failed.state).toBe('failed');
      expect(failed.error?.code).toBe('CONTENT_REJECTED');
      browser.script({ body: { sampling_requests: [] } });
      const miss = await failure(adapter.poll(inflight('generate', { prompt: 'x' }), signal()));
      expect(miss.retriable).toBe(true);
    });

    it('downloads a response through the page; 404 means not ready yet', async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d494844520000004000000030', 'hex');
      browser.script({ body: png, headers: { 'content-type': 'image/png' } });
      const ref = { index: 0, kind: 'image' as const, url: `${APP}/api/download/response/a/image?quality=PNG` };
      const file = await adapter.download(inflight('generate', {}), ref, signal());
      expect(file).toEqual({ bytes: png, contentType: 'image/png', width: 64, height: 48 });
      expect(browser.calls[0].init.responseType).toBe('bytes');
      expect(browser.calls[0].url).toBe(ref.url);
      browser.script({ status: 404, body: Buffer.alloc(0) });
      expect(await adapter.download(inflight('generate', {}), ref, signal())).toBeNull();
    });

    it('stores files in the product-ideas bucket under the original’s names', () => {
      const ref = { index: 0, kind: 'image' as const, url: `${APP}/api/download/response/r-1/image?quality=PNG` };
      const variation = inflight('remix', {}, { meta: { layout: 'variation' } });
      expect(adapter.storageTarget(variation, ref)).toEqual({
        bucket: 'product-ideas',
        path: 'ideogram-remix-job-1-r-1.png',
      });
      expect(adapter.storageTarget(inflight('generate', {}), ref).path).toBe('job-1/r-1.png');
    });
  });

  describe('findSubmission', () => {
    const gallery = (results: unknown[]) => browser.script({ body: { results } });
    const now = Date.now() / 1000;

    it('finds the request created after the submission began, by kind and prompt', async () => {
      gallery([
        { request_id: 'new-other', creation_time_float: now, user_prompt: 'another prompt', request_type: 'GENERATE' },
        { request_id: 'ours', creation_time_float: now - 2, user_prompt: 'a fox', request_type: 'GENERATE' },
        { request_id: 'old', creation_time_float: now - 3600, user_prompt: 'a fox', request_type: 'GENERATE' },
        { request_id: 'upscale', creation_time_float: now, user_prompt: 'a fox', request_type: 'SUPER_RES' },
      ]);
      const found = await adapter.findSubmission(
        inflight('generate', { prompt: 'a fox', numImages: 3 }, undefined),
        signal(),
      );
      expect(found).toMatchObject({ providerJobId: 'ours', expectedCount: 3, result: { recovered: true } });
      expect(browser.calls[0].url).toMatch(/\/api\/g\/u\?user_id=user-1&all_privacy=true&filters=everything$/);
    });

    it('answers null when nothing new is there, and never looks for repeatable operations', async () => {
      gallery([{ request_id: 'old', creation_time_float: now - 3600, request_type: 'GENERATE' }]);
      expect(await adapter.findSubmission(inflight('generate', { prompt: 'x' }), signal())).toBeNull();
      expect(await adapter.findSubmission(inflight('describe', {}), signal())).toBeNull();
      expect(browser.calls).toHaveLength(1);
    });
  });

  describe('submissions on a caller’s own token', () => {
    it('generates and upscales as the token’s user, with the token, without the account’s quota or identity', async () => {
      browser.script(
        { body: { user_model: { user_id: 'caller-user' } } },
        { body: { request_id: 'req-c', rejected_prompt_id: null } },
      );
      const answer = await adapter.submitAsCaller(
        'generate',
        { prompt: 'a fox', style: 'DESIGN' },
        'callers',
        signal(),
      );
      expect(answer).toEqual({ request_id: 'req-c', rejected_prompt_id: null });
      expect(browser.calls.map((c) => c.url)).toEqual([`${APP}/api/account/login`, `${APP}/api/images/sample`]);
      for (const call of browser.calls) expect(call.init.headers?.authorization).toBe('Bearer callers');
      const body = JSON.parse(String(browser.calls[1].init.body));
      expect(body).toMatchObject({ user_id: 'caller-user', prompt: 'a fox', style_expert: 'DESIGN' });
      expect(session.identity).not.toHaveBeenCalled();

      browser.script(
        { body: { user_model: { user_id: 'caller-user' } } },
        { body: { request_id: 'req-u', rejected_prompt_id: null } },
      );
      await adapter.submitAsCaller('upscale', { requestId: 'r', responseId: 's', prompt: 'p' }, 'callers', signal());
      expect(JSON.parse(String(browser.calls[3].init.body))).toMatchObject({
        user_id: 'caller-user',
        parent: { request_id: 'r', response_id: 's', type: 'SUPER_RES' },
      });
    });

    it('removes a background with the token and answers the site’s JSON', async () => {
      browser.script({ body: { success: true, asset_id: 'nobg' } });
      const answer = await adapter.submitAsCaller('remove-background', { assetId: 'a1' }, 'callers', signal());
      expect(answer).toEqual({ success: true, asset_id: 'nobg' });
      expect(browser.calls[0].init.headers?.authorization).toBe('Bearer callers');
      expect(JSON.parse(String(browser.calls[0].init.body))).toEqual({ asset_type: 'RESPONSE', asset_id: 'a1' });
    });

    it('answers a refused token as the caller’s, a site refusal with its reason, and a bad payload before any call', async () => {
      browser.script({ status: 401, body: { detail: 'Invalid token' } });
      const refused = await failure(adapter.submitAsCaller('generate', { prompt: 'x' }, 'bad', signal()));
      expect(refused.control).toEqual({ callerToken: true });
      expect(session.refresh).not.toHaveBeenCalled();

      browser.script(
        { body: { user_model: { user_id: 'caller-user' } } },
        { status: 400, body: { detail: 'Unknown style_expert "X"' } },
      );
      const unknown = await failure(adapter.submitAsCaller('generate', { prompt: 'x', style: 'X' }, 't', signal()));
      expect(unknown.code).toBe('INVALID_PARAMETER');
      expect(unknown.message).toMatch(/Unknown style_expert "X"/);

      const before = browser.calls.length;
      const invalid = await failure(adapter.submitAsCaller('upscale', { requestId: 'a/b' }, 't', signal()));
      expect(invalid.code).toBe('INVALID_PAYLOAD');
      expect(browser.calls).toHaveLength(before);
    });
  });
});
