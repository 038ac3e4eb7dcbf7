import type { Page } from 'puppeteer-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserSession, type BrowserState, type FetchInit, type FetchResult } from '@app/browser';
import { ProviderException, type JobMessage } from '@app/contracts';
import type { InflightState, Submission } from '@app/provider-adapter';
import { MidjourneyAdapterConfig } from './midjourney-adapter.config.js';
import { MidjourneyAdapter } from './midjourney.adapter.js';
import { fetchExternalImage } from '@app/provider-adapter';
import type { ObjectStorage } from '@app/storage';
import { strictMock } from '../../../../test/strict-mock.js';

// The SSRF-guarded download has its own spec; here it only hands the adapter bytes (or refuses).
vi.mock('@app/provider-adapter', async (original) => ({
  ...(await original<typeof import('@app/provider-adapter')>()),
  fetchExternalImage: vi.fn(),
}));
const fetchImage = vi.mocked(fetchExternalImage);

const APP = 'https://www.midjourney.com';
const CDN = 'https://cdn.midjourney.com';
const ID_COOKIE = '__Host-Midjourney.AuthUserTokenV3_i';

type Reply = Partial<FetchResult> | Error;
/** What /imagine shows when the sign-in check looks at it; 'none' = the wait timed out. */
type Marker = 'in' | 'out' | 'challenge' | 'none';

interface SentRequest {
  origin: string;
  url: string;
  init: FetchInit;
  signal?: AbortSignal;
}

/**
 * Strict browser double: in-page fetches get scripted replies in order; anything unscripted (a fetch with no
 * reply left, a sign-in check with no marker, cookies never offered) is recorded and fails the test in afterEach.
 */
class StrictBrowser extends BrowserSession {
  readonly requests: SentRequest[] = [];
  /** Tabs opened for sign-in checks and session refreshes (the shared API page is never navigated). */
  readonly tabs: { url: string; signal?: AbortSignal }[] = [];
  readonly openTabs = new Set<Page>();
  readonly unexpected: string[] = [];
  readonly waits: { fn: () => unknown; options: unknown }[] = [];
  private replies: Reply[] = [];
  private markers: Marker[] = [];
  jar?: Array<{ name: string; value: string }>;
  failTab = false;
  /** The answer to the plan read every successful sign-in check makes (kept apart from the scripted replies). */
  plan: Reply = { body: { settings: { speed: 'relaxed' }, fast_time_remaining: 3.5, relax_enabled: true } };
  planReads = 0;
  readonly started = vi.fn();
  readonly stopped = vi.fn();

  reply(...replies: Reply[]): this {
    this.replies.push(...replies);
    return this;
  }

  show(...markers: Marker[]): this {
    this.markers.push(...markers);
    return this;
  }

  leftovers(): number {
    return this.replies.length + this.markers.length;
  }

  fetch<T>(origin: string, url: string, init: FetchInit = {}, signal?: AbortSignal): Promise<FetchResult<T>> {
    if (url === `${APP}/api/user-mutable-state`) {
      this.planReads++;
      if (this.plan instanceof Error) return Promise.reject(this.plan);
      const status = this.plan.status ?? 200;
      return Promise.resolve({ url, headers: {}, ...this.plan, status, ok: status < 300 } as FetchResult<T>);
    }
    this.requests.push({ origin, url, init, signal });
    const reply = this.replies.shift();
    if (!reply) {
      this.unexpected.push(`fetch ${init.method ?? 'GET'} ${url}`);
      return Promise.reject(new Error('unscripted fetch'));
    }
    if (reply instanceof Error) return Promise.reject(reply);
    const status = reply.status ?? 200;
    return Promise.resolve({ url, headers: {}, body: undefined, ...reply, status, ok: status < 300 } as FetchResult<T>);
  }

  navigate(_origin: string, url: string): Promise<Page> {
    // Navigating the shared page would abort the in-flight calls of running jobs.
    this.unexpected.push(`navigate ${url}`);
    return Promise.reject(new Error('the shared API page must not be navigated'));
  }

  openTab(url: string, signal?: AbortSignal): Promise<Page> {
    this.tabs.push({ url, signal });
    if (this.failTab) return Promise.reject(new Error('net::ERR_ABORTED'));
    const tab = {
      waitForFunction: (fn: () => unknown, options: unknown) => {
        this.waits.push({ fn, options });
        const marker = this.markers.shift();
        if (!marker) {
          this.unexpected.push(`sign-in check in a tab on ${url}`);
          return Promise.reject(new Error('unscripted sign-in check'));
        }
        if (marker === 'none') return Promise.reject(new Error('Waiting failed: 20000ms exceeded'));
        return Promise.resolve({ jsonValue: () => Promise.resolve(marker) });
      },
    } as unknown as Page;
    this.openTabs.add(tab);
    return Promise.resolve(tab);
  }

  closeTab(page: Page): Promise<void> {
    if (!this.openTabs.delete(page)) this.unexpected.push('closeTab of a tab that is not open');
    return Promise.resolve();
  }

  cookies(url: string): Promise<Array<{ name: string; value: string }>> {
    if (!this.jar) {
      this.unexpected.push(`cookies ${url}`);
      return Promise.reject(new Error('unscripted cookies'));
    }
    return Promise.resolve(this.jar);
  }

  start(): Promise<void> {
    this.started();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.stopped();
    return Promise.resolve();
  }

  page(): Promise<Page> {
    this.unexpected.push('page');
    return Promise.reject(new Error('unscripted page'));
  }

  saveCookies(): Promise<void> {
    this.unexpected.push('saveCookies');
    return Promise.resolve();
  }

  state(): BrowserState {
    return { connected: true, launchedAt: '2026-01-01T00:00:00.000Z', relaunches: 3, pages: 2 };
  }

  onRelaunch(): void {
    this.unexpected.push('onRelaunch');
  }
}

/** A JWT as MJ's session cookie carries it; only the payload matters to the adapter. */
const jwt = (claims: Record<string, unknown>) =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'sig'].map((p) => Buffer.from(p).toString('base64url')).join('.');

const job = (input: Record<string, unknown>, over: Partial<JobMessage> = {}): JobMessage => ({
  jobId: 'job-7',
  provider: 'midjourney',
  operation: 'imagine',
  input,
  deadlineAt: '2030-01-01T00:00:00.000Z',
  createdAt: '2026-03-01T10:00:00.000Z',
  ...over,
});

const inflight = (submission?: Partial<Submission>, over: Partial<InflightState> = {}): InflightState => ({
  job: job({ prompt: 'a fox' }),
  account: 'default',
  phase: submission ? 'submitted' : 'submitting',
  submission: submission
    ? { providerJobId: 'mj-1', expectedCount: 4, kind: 'image', expectedDurationMs: 60_000, ...submission }
    : undefined,
  stored: [],
  seq: 0,
  polls: 0,
  pollErrors: 0,
  updatedAt: '2026-03-01T10:00:00.000Z',
  ...over,
});

async function rejection(promise: Promise<unknown>): Promise<ProviderException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderException);
  return error as ProviderException;
}

/** The JSON body of the n-th request. */
const bodyOf = (request: SentRequest) => JSON.parse(request.init.body ?? 'null');

let browser: StrictBrowser;
let signal: AbortSignal;

const adapterWith = (
  config: Partial<MidjourneyAdapterConfig> = {},
  storage = strictMock<ObjectStorage>('ObjectStorage'),
) =>
  new MidjourneyAdapter(
    browser,
    Object.assign(
      new MidjourneyAdapterConfig(),
      { appUrl: `${APP}/imagine`, cdnUrl: `${CDN}/`, userId: 'u-1' },
      config,
    ),
    storage,
  );

beforeEach(() => {
  browser = new StrictBrowser();
  signal = new AbortController().signal;
  fetchImage.mockReset();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  expect(browser.unexpected).toEqual([]);
  expect(browser.leftovers()).toBe(0);
  expect(browser.openTabs.size).toBe(0); // every tab opened is closed again
});

describe('lifecycle delegation', () => {
  it('starts and stops the browser and reports its state', async () => {
    const adapter = adapterWith();
    await adapter.start();
    await adapter.stop();
    expect(browser.started).toHaveBeenCalledTimes(1);
    expect(browser.stopped).toHaveBeenCalledTimes(1);
    expect(adapter.browserState()).toEqual({
      connected: true,
      launchedAt: '2026-01-01T00:00:00.000Z',
      relaunches: 3,
      pages: 2,
    });
  });
});

describe('checkAccount', () => {
  it('opens /imagine on the app origin and reports ready when the prompt bar shows', async () => {
    browser.show('in');
    expect(await adapterWith().checkAccount(signal)).toEqual({ signedIn: true, state: 'ready' });
    expect(browser.tabs).toEqual([{ url: `${APP}/imagine`, signal }]);
    expect(browser.waits[0].options).toMatchObject({ timeout: 20_000 });
  });

  it('reads the account’s plan when signed in: its own mode, fast hours left, relax allowed', async () => {
    browser.show('in');
    const adapter = adapterWith();
    expect(adapter.planFacts()).toBeNull();
    await adapter.checkAccount(signal);
    expect(browser.planReads).toBe(1);
    expect(adapter.planFacts()).toEqual({ mode: 'relax', fastHoursLeft: 3.5, relaxEnabled: true });
  });

  it('keeps the last plan facts when a later read fails, and stays ready', async () => {
    browser.show('in', 'in');
    const adapter = adapterWith();
    await adapter.checkAccount(signal);
    browser.plan = { status: 500, body: {} };
    expect(await adapter.checkAccount(signal)).toEqual({ signedIn: true, state: 'ready' });
    expect(browser.planReads).toBe(2);
    expect(adapter.planFacts()).toMatchObject({ mode: 'relax', fastHoursLeft: 3.5 });
  });

  it('reports signed out at once when the login link shows', async () => {
    browser.show('out');
    const check = await adapterWith().checkAccount(signal);
    expect(check).toMatchObject({ signedIn: false, state: 'signed_out' });
    expect(browser.tabs).toHaveLength(1);
  });

  it('reloads once after a challenge and is ready when it cleared', async () => {
    browser.show('challenge', 'in');
    expect((await adapterWith().checkAccount(signal)).state).toBe('ready');
    expect(browser.tabs).toHaveLength(2);
  });

  it('reports a challenge that survives the reload', async () => {
    browser.show('challenge', 'challenge');
    const check = await adapterWith().checkAccount(signal);
    expect(check).toMatchObject({ signedIn: false, state: 'challenge' });
    expect(check.detail).toMatch(/persists/);
    expect(browser.tabs).toHaveLength(2);
  });

  it('never navigates the shared API page, so running calls go on during a check', async () => {
    browser.show('in');
    await adapterWith().checkAccount(signal);
    expect(browser.tabs).toHaveLength(1);
    // The strict double records any navigate() as unexpected; afterEach also sees the tab closed.
  });

  it('shares one check between concurrent callers (init while a re-check runs)', async () => {
    browser.show('in');
    const adapter = adapterWith();
    const [a, b] = await Promise.all([adapter.checkAccount(signal), adapter.checkAccount(signal)]);
    expect(a).toEqual({ signedIn: true, state: 'ready' });
    expect(b).toBe(a);
    expect(browser.tabs).toHaveLength(1);
    browser.show('out'); // a later check runs afresh
    expect((await adapter.checkAccount(signal)).state).toBe('signed_out');
  });

  it('answers an error state, not an exception, when /imagine cannot be loaded', async () => {
    browser.failTab = true;
    expect(await adapterWith().checkAccount(signal)).toMatchObject({ signedIn: false, state: 'error' });
    expect(browser.tabs).toHaveLength(2);
  });

  it('gives up at once when the caller’s signal is aborted', async () => {
    browser.failTab = true;
    const controller = new AbortController();
    controller.abort();
    await expect(adapterWith().checkAccount(controller.signal)).rejects.toThrow();
    expect(browser.tabs).toHaveLength(1);
  });

  it('reports an error when neither marker appears twice', async () => {
    browser.show('none', 'none');
    expect(await adapterWith().checkAccount(signal)).toMatchObject({ signedIn: false, state: 'error' });
  });

  describe('the in-page marker check', () => {
    async function markerFunction() {
      browser.show('none', 'none');
      await adapterWith().checkAccount(signal);
      return browser.waits[0].fn;
    }

    /** A document where only the given selectors (any part of a selector list) match. */
    const documentWith = (title: string, ...present: string[]) => ({
      title,
      querySelector: (selector: string) =>
        selector.split(',').some((part) => present.includes(part.trim())) ? {} : null,
    });

    it.each([
      [documentWith('Midjourney', 'textarea#desktop_input_bar'), 'in'],
      [documentWith('Midjourney', 'textarea[placeholder="What will you imagine?"]'), 'in'],
      [documentWith('Midjourney', 'textarea#desktop_input_bar', 'a[href*="login"]'), 'in'],
      [documentWith('Midjourney', 'a[href*="login"]'), 'out'],
      [documentWith('Just a moment...'), 'challenge'],
      [documentWith('Midjourney', '#challenge-platform'), 'challenge'],
      [documentWith('Midjourney', '[id^="cf-chl"]'), 'challenge'],
      [documentWith('Midjourney'), false],
    ])('%#: reads the page as %s', async (document, expected) => {
      const fn = await markerFunction();
      vi.stubGlobal('document', document);
      expect(fn()).toBe(expected);
    });
  });
});

describe('channel id from the session', () => {
  const accepted = { body: { success: [{ job_id: 'mj-1' }] } };

  it.each([
    [{ midjourney_id: 'mj-user', user_id: 'fb-user', sub: 'fb-sub' }, 'mj-user'],
    [{ user_id: 'fb-user', sub: 'fb-sub' }, 'fb-user'],
    [{ sub: 'fb-sub' }, 'fb-sub'],
  ])('takes the id from %j and submits to singleplayer_%s', async (claims, id) => {
    browser.jar = [
      { name: 'cf_clearance', value: 'x' },
      { name: ID_COOKIE, value: jwt(claims) },
    ];
    browser.show('in').reply(accepted);
    await adapterWith({ userId: undefined }).submit(job({ prompt: 'a fox' }), signal);
    expect(bodyOf(browser.requests[0]).channelId).toBe(`singleplayer_${id}`);
  });

  it('checks the session only once, then reuses the id', async () => {
    browser.jar = [{ name: ID_COOKIE, value: jwt({ user_id: 'u-9' }) }];
    browser.show('in').reply(accepted, accepted);
    const adapter = adapterWith({ userId: undefined });
    await adapter.submit(job({ prompt: 'a' }), signal);
    await adapter.submit(job({ prompt: 'b' }), signal);
    expect(browser.tabs).toHaveLength(1);
    expect(browser.requests.map((r) => bodyOf(r).channelId)).toEqual(['singleplayer_u-9', 'singleplayer_u-9']);
  });

  it('prefers the configured user id over the cookie', async () => {
    browser.show('in');
    const adapter = adapterWith({ userId: 'configured' });
    expect((await adapter.checkAccount(signal)).signedIn).toBe(true);
    // The strict double would have recorded a cookies() call.
  });

  it('refuses to submit without a session token, before any API call', async () => {
    browser.jar = [{ name: 'cf_clearance', value: 'x' }];
    browser.show('in');
    const error = await rejection(adapterWith({ userId: undefined }).submit(job({ prompt: 'a' }), signal));
    expect(error.code).toBe('SIGNED_OUT');
    expect(error.message).toMatch(/MIDJOURNEY_USER_ID/);
    expect(browser.requests).toEqual([]);
  });

  it.each<[Marker[], string]>([
    [['out'], 'SIGNED_OUT'],
    [['challenge', 'challenge'], 'CHALLENGE'],
    [['none', 'none'], 'SIGNED_OUT'],
  ])('maps a failed sign-in check (%j) to %s without submitting', async (markers, code) => {
    browser.show(...markers);
    const error = await rejection(adapterWith({ userId: undefined }).submit(job({ prompt: 'a' }), signal));
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(false);
    expect(browser.requests).toEqual([]);
  });
});

describe('submit: imagine', () => {
  it('sends the options as prompt flags and the job settings in f', async () => {
    browser.reply({ body: { success: [{ job_id: 'mj-1', is_queued: true, meta: { width: 816, height: 1456 } }] } });
    const submission = await adapterWith().submit(
      job({
        prompt: 'a lighthouse',
        options: { ar: '9:16', chaos: 0, stylize: 50, weird: 0, niji: '6', quality: '2', mode: 'turbo', private: true },
      }),
      signal,
    );
    const [request] = browser.requests;
    expect(request.origin).toBe(APP);
    expect(request.url).toBe(`${APP}/api/submit-jobs`);
    expect(request.signal).toBe(signal);
    expect(request.init).toMatchObject({
      method: 'POST',
      timeoutMs: 30_000,
      headers: {
        'x-csrf-protection': '1',
        'content-type': 'application/json',
        accept: 'application/json, text/plain, */*',
      },
    });
    const body = bodyOf(request);
    expect(body.f).toEqual({ mode: 'turbo', private: true });
    expect(body.prompt).toBe('a lighthouse --chaos 0 --ar 9:16 --stylize 50 --weird 0 --niji 6 --q 2');
    expect(submission).toEqual({
      providerJobId: 'mj-1',
      expectedCount: 5, // four cells and the grid composite
      kind: 'image',
      expectedDurationMs: 30_000,
      queued: true,
      submittedPrompt: body.prompt,
      providerPrompt: undefined,
      meta: { width: 816, height: 1456, mode: 'turbo', grid: true },
      result: { providerResponse: expect.objectContaining({ success: [expect.objectContaining({ job_id: 'mj-1' })] }) },
    });
  });

  it.each([
    ['fast', 60_000],
    ['relax', 120_000],
    ['relaxed', 120_000],
    ['turbo', 30_000],
  ])('expects a %s render to take %i ms', async (mode, ms) => {
    browser.reply({ body: { success: [{ job_id: 'mj-1' }] } });
    expect((await adapterWith().submit(job({ prompt: 'x', options: { mode } }), signal)).expectedDurationMs).toBe(ms);
  });

  it('uses the configured render time instead when set', async () => {
    browser.reply({ body: { success: [{ job_id: 'mj-1' }] } });
    const submission = await adapterWith({ expectedRenderMs: 1500 }).submit(job({ prompt: 'x' }), signal);
    expect(submission.expectedDurationMs).toBe(1500);
  });

  it.each([
    [undefined, 5],
    [0, 5],
    [1, 1],
    [8, 5],
  ])(
    'with batch_size %s expects %i files (never more than the four grid cells, plus the grid composite)',
    async (batch, count) => {
      browser.reply({ body: { success: [{ job_id: 'mj-1', meta: { batch_size: batch } }] } });
      expect((await adapterWith().submit(job({ prompt: 'x' }), signal)).expectedCount).toBe(count);
    },
  );

  it('keeps MJ’s echo apart from what was submitted', async () => {
    browser.reply({ body: { success: [{ job_id: 42, prompt: 'x --chaos 5 --v 7.0' }] } });
    const submission = await adapterWith().submit(job({ prompt: 'x' }), signal);
    expect(submission.providerJobId).toBe('42');
    expect(submission.providerPrompt).toBe('x --chaos 5 --v 7.0');
    expect(submission.submittedPrompt).toBe('x --chaos 5 --ar 4:3 --stylize 150 --weird 200 --v 7');
  });

  it.each([
    [{ chaos: 101 }],
    [{ ar: '16x9' }],
    [{ ar: '0:1' }],
    [{ version: '4' }],
    [{ niji: '7' }],
    [{ quality: '3' }],
    [{ stop: 5 }],
    [{ mode: 'slow' }],
    [{ seed: -1 }],
    [{ style_weight: 1001 }],
    [{ omni_weight: 0 }],
    [{ exp: 101 }],
    [{ no: 'x --ar 1:1' }],
    [{ personalize: 'a b' }],
    [{ style_refs: [] }],
  ])('refuses options %j before any request', async (options) => {
    const error = await rejection(adapterWith().submit(job({ prompt: 'x', options }), signal));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.retriable).toBe(false);
    expect(browser.requests).toEqual([]);
  });

  it('refuses an unknown operation before any request', async () => {
    const error = await rejection(adapterWith().submit(job({ prompt: 'x' }, { operation: 'zoom' }), signal));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.message).toMatch(/zoom/);
    expect(browser.requests).toEqual([]);
  });
});

describe('submit: reference image upload', () => {
  const jpeg = Buffer.from('ffd8ffe0', 'hex');

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.000Z'));
  });

  it('fetches the image through the guard, uploads it as multipart and leads the prompt with the short URL', async () => {
    fetchImage.mockResolvedValue({ bytes: jpeg, contentType: 'image/jpeg' });
    browser.reply({ body: { shortUrl: 'https://s.mj.run/abc' } }, { body: { success: [{ job_id: 'mj-1' }] } });
    const adapter = adapterWith({ allowPrivateUrls: true, maxImageBytes: 1234 });
    await adapter.submit(job({ prompt: 'a fox', imageUrl: 'https://example.com/ref.jpg' }), signal);

    expect(fetchImage).toHaveBeenCalledWith('https://example.com/ref.jpg', {
      allowPrivate: true,
      maxBytes: 1234,
      signal,
    });
    const [upload, submit] = browser.requests;
    expect(upload.url).toBe(`${APP}/api/storage-upload-file`);
    expect(upload.init).toEqual({
      method: 'POST',
      headers: { 'x-csrf-protection': '1' },
      form: [
        {
          name: 'file',
          filename: `upload_${Date.parse('2026-03-01T10:00:00.000Z')}.jpg`,
          contentType: 'image/jpeg',
          base64: jpeg.toString('base64'),
        },
      ],
      timeoutMs: 60_000,
    });
    const body = bodyOf(submit);
    expect(body.prompt.startsWith('https://s.mj.run/abc a fox --chaos')).toBe(true);
    expect(body.metadata.imagePrompts).toBe(1);
  });

  it('builds the CDN URL from bucketPathname when there is no short URL, and names PNGs .png', async () => {
    fetchImage.mockResolvedValue({ bytes: Buffer.from('png'), contentType: 'image/png' });
    browser.reply({ body: { bucketPathname: 'u-1/ref.png' } }, { body: { success: [{ job_id: 'mj-1' }] } });
    await adapterWith().submit(job({ prompt: 'a fox', imageUrl: 'https://example.com/ref.png' }), signal);
    expect(browser.requests[0].init.form?.[0]).toMatchObject({ filename: expect.stringMatching(/\.png$/) });
    expect(bodyOf(browser.requests[1]).prompt.startsWith(`${CDN}/u/u-1/ref.png a fox`)).toBe(true);
  });

  it('does not contact Midjourney when the guard refuses the image', async () => {
    fetchImage.mockRejectedValue(new ProviderException('UPLOAD_FAILED', 'private address'));
    const error = await rejection(
      adapterWith().submit(job({ prompt: 'a', imageUrl: 'http://169.254.169.254/x' }), signal),
    );
    expect(error.code).toBe('UPLOAD_FAILED');
    expect(browser.requests).toEqual([]);
  });

  it.each<[string, Reply]>([
    ['an error status', { status: 413, body: { error: 'too large' } }],
    ['no URL in the answer', { body: { ok: true } }],
    ['a non-JSON answer', { body: 'uploaded' }],
    ['a server error', { status: 502, body: 'bad gateway' }],
    ['a lost answer', new Error('socket hang up')],
  ])('fails UPLOAD_FAILED on %s and never submits', async (_label, reply) => {
    fetchImage.mockResolvedValue({ bytes: jpeg, contentType: 'image/jpeg' });
    browser.reply(reply);
    const error = await rejection(adapterWith().submit(job({ prompt: 'a', imageUrl: 'https://e.com/a' }), signal));
    expect(error.code).toBe('UPLOAD_FAILED');
    expect(browser.requests.map((r) => r.url)).toEqual([`${APP}/api/storage-upload-file`]);
  });

  it.each<[string, Reply[], Marker[]]>([
    ['RATE_LIMITED', [{ status: 429, headers: { 'retry-after': '3' }, body: {} }], []],
    [
      'SIGNED_OUT',
      [
        { status: 401, body: {} },
        { status: 401, body: {} },
      ],
      ['out'],
    ],
    ['CHALLENGE', [{ status: 403, body: 'denied' }], []],
  ])('keeps %s from the upload instead of calling it an upload failure', async (code, replies, markers) => {
    vi.useRealTimers();
    vi.useFakeTimers();
    fetchImage.mockResolvedValue({ bytes: jpeg, contentType: 'image/jpeg' });
    browser.reply(...replies).show(...markers);
    const outcome = rejection(adapterWith().submit(job({ prompt: 'a', imageUrl: 'https://e.com/a' }), signal));
    await vi.runAllTimersAsync();
    expect((await outcome).code).toBe(code);
  });
});

describe('submit: images uploaded in the request body (kept in storage by the gateway)', () => {
  const png = Buffer.from('89504e470d0a1a0a', 'hex');
  const stored = (name: string) => ({
    bucket: 'midjourney-uploads',
    path: `uploads/${name}.png`,
    contentType: 'image/png',
  });
  const storageWith = (get: ObjectStorage['get']) => strictMock<ObjectStorage>('ObjectStorage', { get });

  it('reads each upload back from storage and uploads it; imagine leads the prompt with the image prompts', async () => {
    const storage = storageWith(() => Promise.resolve({ bytes: png, contentType: 'image/png' }));
    browser.reply(
      { body: { shortUrl: 'https://s.mj.run/one' } },
      { body: { shortUrl: 'https://s.mj.run/two' } },
      { body: { success: [{ job_id: 'mj-1' }] } },
    );
    await adapterWith({}, storage).submit(job({ prompt: 'a fox', uploads: [stored('a'), stored('b')] }), signal);
    expect(storage.get).toHaveBeenNthCalledWith(1, 'midjourney-uploads', 'uploads/a.png');
    expect(storage.get).toHaveBeenNthCalledWith(2, 'midjourney-uploads', 'uploads/b.png');
    const [first, , submit] = browser.requests;
    expect(first.url).toBe(`${APP}/api/storage-upload-file`);
    expect(first.init.form?.[0]).toMatchObject({ contentType: 'image/png', base64: png.toString('base64') });
    const body = bodyOf(submit);
    expect(body.prompt).toMatch(/^https:\/\/s\.mj\.run\/one https:\/\/s\.mj\.run\/two a fox/);
    expect(body.metadata.imagePrompts).toBe(2);
    expect(fetchImage).not.toHaveBeenCalled();
  });

  it('blends uploads, and describes an upload', async () => {
    const storage = storageWith(() => Promise.resolve({ bytes: png, contentType: 'image/png' }));
    browser.reply(
      { body: { shortUrl: 'https://s.mj.run/b1' } },
      { body: { shortUrl: 'https://s.mj.run/b2' } },
      { body: { success: [{ job_id: 'mj-2' }] } },
      { body: { shortUrl: 'https://s.mj.run/d' } },
      { body: { data: { descriptions: ['one', 'two'] } } },
    );
    const adapter = adapterWith({}, storage);
    await adapter.submit(
      job({ imageUrls: [], uploads: [stored('x'), stored('y')], dimensions: 'portrait' }, { operation: 'blend' }),
      signal,
    );
    expect(bodyOf(browser.requests[2]).prompt).toBe('https://s.mj.run/b1 https://s.mj.run/b2 --ar 2:3');
    const described = await adapter.submit(job({ upload: stored('d') }, { operation: 'describe' }), signal);
    expect(bodyOf(browser.requests[4])).toEqual({ image_url: 'https://s.mj.run/d' });
    expect(described.result).toEqual({ descriptions: ['one', 'two'] });
  });

  it('fails UPLOAD_FAILED when the upload is gone, STORAGE_ERROR when storage fails, and never contacts Midjourney', async () => {
    const gone = await rejection(
      adapterWith(
        {},
        storageWith(() => Promise.resolve(null)),
      ).submit(job({ prompt: 'a', uploads: [stored('gone')] }), signal),
    );
    expect(gone.code).toBe('UPLOAD_FAILED');
    // Storage still down when the submission's time is up: STORAGE_ERROR (ours), not a provider answer.
    const giveUp = new AbortController();
    let reads = 0;
    const down = await rejection(
      adapterWith(
        {},
        storageWith(() => {
          if (++reads === 2) giveUp.abort();
          return Promise.reject(new Error('ECONNREFUSED'));
        }),
      ).submit(job({ upload: stored('d') }, { operation: 'describe' }), giveUp.signal),
    );
    expect(down.code).toBe('STORAGE_ERROR');
    expect(reads).toBe(2);
    expect(browser.requests).toEqual([]);
  });

  it('waits out a storage outage (backoff) before uploading the stored image, and submits once', async () => {
    vi.useFakeTimers();
    let reads = 0;
    const storage = storageWith(() =>
      ++reads < 3
        ? Promise.reject(new Error('ECONNREFUSED'))
        : Promise.resolve({ bytes: png, contentType: 'image/png' }),
    );
    browser.reply({ body: { shortUrl: 'https://s.mj.run/d' } }, { body: { data: { descriptions: ['one'] } } });
    const pending = adapterWith({}, storage).submit(job({ upload: stored('d') }, { operation: 'describe' }), signal);
    await vi.advanceTimersByTimeAsync(5_000);
    const described = await pending;
    expect(reads).toBe(3);
    expect(described.result).toEqual({ descriptions: ['one'] });
    expect(browser.requests).toHaveLength(2);
  });

  it('refuses a describe with neither or both of imageUrl and upload as INVALID_PAYLOAD', async () => {
    const neither = await rejection(adapterWith().submit(job({}, { operation: 'describe' }), signal));
    expect(neither.code).toBe('INVALID_PAYLOAD');
    const both = await rejection(
      adapterWith().submit(
        job({ imageUrl: 'https://e.com/a.png', upload: stored('d') }, { operation: 'describe' }),
        signal,
      ),
    );
    expect(both.code).toBe('INVALID_PAYLOAD');
    const blendOfOne = await rejection(
      adapterWith().submit(job({ uploads: [stored('x')] }, { operation: 'blend' }), signal),
    );
    expect(blendOfOne.code).toBe('INVALID_PAYLOAD');
  });
});

describe('submit: video', () => {
  it('uploads the still and posts the video body of the web app', async () => {
    fetchImage.mockResolvedValue({ bytes: Buffer.from('png'), contentType: 'image/png' });
    browser.reply(
      { body: { shortUrl: 'https://s.mj.run/still' } },
      { body: { success: [{ job_id: 'vid-1', meta: { batch_size: 2 } }] } },
    );
    const submission = await adapterWith().submit(
      job(
        { imageUrl: 'https://example.com/still.png', textPrompt: 'waves', motion: 'low', private: true, batchSize: 2 },
        { operation: 'video' },
      ),
      signal,
    );
    expect(bodyOf(browser.requests[1])).toEqual({
      f: { mode: 'fast', private: true },
      channelId: 'singleplayer_u-1',
      roomId: null,
      metadata: {
        isMobile: null,
        imagePrompts: null,
        imageReferences: null,
        characterReferences: null,
        depthReferences: null,
        lightboxOpen: null,
      },
      t: 'video',
      videoType: 'vid_1.1_i2v_480',
      newPrompt: 'https://s.mj.run/still waves --bs 2 --motion low --video 1',
      parentJob: null,
      animateMode: 'manual',
    });
    expect(submission).toMatchObject({ providerJobId: 'vid-1', kind: 'video', expectedCount: 2 });
    expect(submission.expectedDurationMs).toBe(90_000); // fast, half again for video
  });

  it('takes a stored start frame and an end frame (or loop): the start-and-end video type with --end', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const storage = strictMock<ObjectStorage>('ObjectStorage', {
      get: () => Promise.resolve({ bytes: png, contentType: 'image/png' }),
    });
    fetchImage.mockResolvedValue({ bytes: png, contentType: 'image/png' });
    browser.reply(
      { body: { shortUrl: 'https://s.mj.run/start' } },
      { body: { shortUrl: 'https://s.mj.run/end' } },
      { body: { success: [{ job_id: 'vid-2' }] } },
      { body: { shortUrl: 'https://s.mj.run/start' } },
      { body: { success: [{ job_id: 'vid-3' }] } },
    );
    const upload = { bucket: 'midjourney-uploads', path: 'uploads/s.png', contentType: 'image/png' };
    const adapter = adapterWith({}, storage);
    await adapter.submit(
      job({ upload, endImageUrl: 'https://example.com/end.png', textPrompt: 'waves' }, { operation: 'video' }),
      signal,
    );
    expect(storage.get).toHaveBeenCalledWith('midjourney-uploads', 'uploads/s.png');
    expect(fetchImage).toHaveBeenCalledWith('https://example.com/end.png', expect.anything());
    expect(bodyOf(browser.requests[2])).toMatchObject({
      videoType: 'vid_1.1_i2v_start_end_480',
      newPrompt: 'https://s.mj.run/start waves --motion high --video 1 --end https://s.mj.run/end',
    });
    await adapter.submit(job({ upload, loop: true, textPrompt: 'waves' }, { operation: 'video' }), signal);
    expect(bodyOf(browser.requests[4])).toMatchObject({
      videoType: 'vid_1.1_i2v_start_end_480',
      newPrompt: 'https://s.mj.run/start waves --motion high --video 1 --end loop',
    });
  });

  it('refuses a video without an image before any request', async () => {
    const error = await rejection(adapterWith().submit(job({ textPrompt: 'x' }, { operation: 'video' }), signal));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(fetchImage).not.toHaveBeenCalled();
    expect(browser.requests).toEqual([]);
  });
});

describe('submit: answers and their classification', () => {
  const submit = () => adapterWith().submit(job({ prompt: 'x' }), signal);

  // Clear refusals keep their code and are never reconciled; answers that may hide an accepted job are.
  const unknown = { outcomeUnknown: true };
  it.each([
    [
      { failure: [{ type: 'invalid_parameter', message: 'Invalid value for --ar' }] },
      'INVALID_PARAMETER',
      false,
      undefined,
    ],
    [{ failure: [{ type: 'queue_full', message: 'Job queue is full' }] }, 'QUEUE_FULL', true, { waitInQueue: true }],
    [{ failure: [{ type: 'moderation', message: 'Banned prompt' }] }, 'CONTENT_REJECTED', false, undefined],
    [{ success: [], failure: [{ type: 'blocked', message: 'Account blocked' }] }, 'CHALLENGE', false, undefined],
    [{ success: [{ job_id: 'mj-1', softban: true }] }, 'CONTENT_REJECTED', false, undefined],
    [{ success: [{ softban: true }] }, 'CONTENT_REJECTED', false, undefined],
    [{ success: [{ softban: false }] }, 'PROVIDER_ERROR', true, unknown],
    [{ success: [], failure: [] }, 'PROVIDER_ERROR', true, unknown],
    [{}, 'PROVIDER_ERROR', true, unknown],
    [{ success: 'yes' }, 'PROVIDER_ERROR', true, unknown],
  ])('%j → %s (retriable %s, control %j)', async (body, code, retriable, details) => {
    browser.reply({ body });
    const error = await rejection(submit());
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.control).toEqual(details ?? {});
  });

  it('keeps the moderation message for the client', async () => {
    browser.reply({ body: { failure: [{ type: 'moderation', message: 'Banned prompt detected: gore' }] } });
    expect((await rejection(submit())).message).toBe('Banned prompt detected: gore');
  });

  it('classifies a failure answered with HTTP 400 by its failure entry', async () => {
    browser.reply({ status: 400, body: { failure: [{ type: 'invalid', message: 'Unrecognized parameter' }] } });
    expect((await rejection(submit())).code).toBe('INVALID_PARAMETER');
  });

  it('reports a non-JSON 200 as an answer of unknown outcome, with its status', async () => {
    browser.reply({ status: 200, body: '<html>maintenance</html>' });
    const error = await rejection(submit());
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toMatch(/HTTP 200/);
    expect(error.control).toEqual({ outcomeUnknown: true });
  });

  it('treats a 4xx without a failure entry as a clear refusal, not an unknown outcome', async () => {
    browser.reply({ status: 400, body: { message: 'Bad Request' } });
    const error = await rejection(submit());
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.details).toBeUndefined();
  });

  it.each([
    [{ 'retry-after': '12' }, 12_000],
    [{ 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' }, 30_000],
    [{}, 30_000],
  ])('turns 429 with %j into RATE_LIMITED after %i ms, without retrying', async (headers, ms) => {
    browser.reply({ status: 429, headers, body: {} });
    const error = await rejection(submit());
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.control).toEqual({ retryAfterMs: ms });
    expect(browser.requests).toHaveLength(1);
    expect(browser.tabs).toEqual([]);
  });

  it.each([500, 502, 503, 504])(
    'turns %i on submit into an outcome-unknown PROVIDER_ERROR (an edge may have answered after MJ accepted)',
    async (status) => {
      browser.reply({ status, body: 'upstream' });
      const error = await rejection(submit());
      expect(error.code).toBe('PROVIDER_ERROR');
      expect(error.message).toContain(String(status));
      expect(error.control).toEqual({ outcomeUnknown: true });
      expect(browser.requests).toHaveLength(1);
    },
  );

  it.each([502, 503])('keeps %i on other calls a plain retriable error', async (status) => {
    browser.reply({ status, body: 'upstream' });
    const error = await rejection(adapterWith().poll(inflight({}), signal));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.retriable).toBe(true);
    expect(error.details).toBeUndefined();
  });

  it('treats a plain 403 as a challenge without reloading (only the interstitial earns a reload)', async () => {
    browser.reply({ status: 403, body: { error: 'forbidden' } });
    expect((await rejection(submit())).code).toBe('CHALLENGE');
    expect(browser.tabs).toEqual([]);
  });

  it('reloads /imagine in a tab of its own after a 503 interstitial and submits again', async () => {
    browser
      .reply({ status: 503, body: '<title>Just a moment...</title>' }, { body: { success: [{ job_id: 'mj-2' }] } })
      .show('in');
    expect((await submit()).providerJobId).toBe('mj-2');
    expect(browser.tabs.map((n) => n.url)).toEqual([`${APP}/imagine`]);
    expect(bodyOf(browser.requests[1])).toEqual(bodyOf(browser.requests[0]));
  });

  it('after a 401 retries only once /imagine has settled in its tab (the page refreshes its token meanwhile)', async () => {
    let settle!: (marker: unknown) => void;
    browser.reply({ status: 401, body: {} }, { body: { success: [{ job_id: 'mj-3' }] } });
    // A tab whose page takes its time: the retry must wait for it, however long it takes.
    browser.openTab = (url: string) => {
      browser.tabs.push({ url });
      const tab = {
        waitForFunction: () => new Promise((resolve) => (settle = resolve)),
      } as unknown as Page;
      browser.openTabs.add(tab);
      return Promise.resolve(tab);
    };
    const pending = submit();
    await new Promise((r) => setTimeout(r, 20));
    expect(browser.requests).toHaveLength(1);
    expect(browser.tabs).toHaveLength(1);
    settle({ jsonValue: () => Promise.resolve('in') });
    expect((await pending).providerJobId).toBe('mj-3');
    expect(browser.requests).toHaveLength(2);
  });

  it('still retries once when the tab cannot load, then reports signed out', async () => {
    browser.failTab = true;
    browser.reply({ status: 401, body: {} }, { status: 401, body: {} });
    expect((await rejection(submit())).code).toBe('SIGNED_OUT');
    expect(browser.requests).toHaveLength(2);
    expect(browser.tabs).toHaveLength(1);
  });

  it('does not reload twice: a 401 after a cleared challenge is final', async () => {
    const challenge = { status: 403, body: '<div id="challenge-platform">' };
    browser.reply(challenge, { status: 401, body: {} }).show('in');
    expect((await rejection(submit())).code).toBe('SIGNED_OUT');
    expect(browser.tabs).toHaveLength(1);
  });

  it('shares one session refresh between calls that hit a 401 at the same time', async () => {
    const adapter = adapterWith();
    browser
      .reply({ status: 401, body: {} }, { status: 401, body: {} })
      .reply(
        { body: [{ id: 'mj-1', current_status: 'running' }] },
        { body: [{ id: 'mj-1', current_status: 'running' }] },
      )
      .show('in');
    const outcomes = await Promise.all([adapter.poll(inflight({}), signal), adapter.poll(inflight({}), signal)]);
    expect(outcomes.map((o) => o.state)).toEqual(['running', 'running']);
    expect(browser.tabs).toHaveLength(1);
  });

  it('marks a submit that failed in flight as outcome-unknown, but not other calls', async () => {
    browser.reply(new Error('Execution context was destroyed'));
    const lost = await rejection(submit());
    expect(lost.code).toBe('PROVIDER_ERROR');
    expect(lost.control).toEqual({ outcomeUnknown: true });

    browser.reply(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    const poll = await rejection(adapterWith().poll(inflight({}), signal));
    expect(poll.code).toBe('PROVIDER_TIMEOUT');
    expect(poll.details).toBeUndefined();
  });
});

describe('poll', () => {
  const refs = (n: number) => Array.from({ length: n }, (_, i) => `${CDN}/mj-1/0_${i}.png`);

  it('asks job-status for exactly this job', async () => {
    browser.reply({ body: [{ id: 'mj-1', current_status: 'running', percentage_complete: 10 }] });
    await adapterWith().poll(inflight({}), signal);
    const [request] = browser.requests;
    expect(request.url).toBe(`${APP}/api/job-status`);
    expect(request.init.method).toBe('POST');
    expect(bodyOf(request)).toEqual({ jobIds: ['mj-1'] });
  });

  it('reports a queued job as queued with no files', async () => {
    browser.reply({ body: [{ id: 'mj-1', current_status: 'queued', percentage_complete: 0 }] });
    expect(await adapterWith().poll(inflight({}), signal)).toEqual({ state: 'queued', progress: 0, ready: [] });
  });

  it('treats an unknown status of a listed job as running', async () => {
    browser.reply({ body: [{ id: 'mj-1' }] });
    expect(await adapterWith().poll(inflight({}), signal)).toEqual({
      state: 'running',
      progress: undefined,
      ready: [],
    });
  });

  it('offers as many files as expected once completed', async () => {
    browser.reply({ body: [{ id: 'mj-1', current_status: 'completed' }] });
    const outcome = await adapterWith().poll(inflight({ expectedCount: 2 }), signal);
    expect(outcome).toMatchObject({ state: 'completed', progress: 100 });
    expect(outcome.ready).toEqual(refs(2).map((url, index) => ({ index, kind: 'image', url })));
  });

  it.each([
    ['an entry for another job only', [{ id: 'other', current_status: 'completed' }]],
    ['an object instead of a list', { error: 'nope' }],
  ])('probes the CDN when the answer has %s', async (_label, body) => {
    browser.reply({ body });
    const outcome = await adapterWith().poll(inflight({}), signal);
    expect(outcome.state).toBe('running');
    expect(outcome.ready.map((r) => r.url)).toEqual(refs(4));
  });

  it('names video files under /video/', async () => {
    browser.reply({ body: [{ id: 'mj-1', current_status: 'completed' }] });
    const outcome = await adapterWith().poll(inflight({ kind: 'video', expectedCount: 2 }), signal);
    expect(outcome.ready).toEqual([
      { index: 0, kind: 'video', url: `${CDN}/video/mj-1/0.mp4` },
      { index: 1, kind: 'video', url: `${CDN}/video/mj-1/1.mp4` },
    ]);
  });

  it('fails a moderated job as rejected content, not retriable', async () => {
    browser.reply({ body: [{ id: 'mj-1', current_status: 'moderated' }] });
    const outcome = await adapterWith().poll(inflight({}), signal);
    expect(outcome.state).toBe('failed');
    expect(outcome.ready).toEqual([]);
    expect(outcome.error?.code).toBe('CONTENT_REJECTED');
    expect(outcome.error?.retriable).toBe(false);
  });

  it('lets 429 on a poll surface as RATE_LIMITED', async () => {
    browser.reply({ status: 429, headers: { 'retry-after': '2' }, body: {} });
    const error = await rejection(adapterWith().poll(inflight({}), signal));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.control).toEqual({ retryAfterMs: 2000 });
  });
});

describe('download', () => {
  const ref = { index: 1, kind: 'image' as const, url: `${CDN}/mj-1/0_1.png` };

  it('fetches the file as bytes from a page on the CDN origin with a fresh cache buster', async () => {
    browser.reply({ body: Buffer.from('a') }, { body: Buffer.from('b') });
    await adapterWith().download(inflight({}), ref, signal);
    await adapterWith().download(inflight({}), { ...ref, url: `${CDN}/mj-1/0_1.png?method=shortest` }, signal);
    const [first, second] = browser.requests.map((r) => ({ ...r, parsed: new URL(r.url) }));
    expect(first.origin).toBe(CDN);
    expect(first.parsed.pathname).toBe('/mj-1/0_1.png');
    expect(first.parsed.searchParams.get('cb')).toMatch(/^\d+_[a-z0-9]+$/);
    expect(first.init).toEqual({ responseType: 'bytes', timeoutMs: 60_000 });
    expect(first.signal).toBe(signal);
    expect(second.parsed.searchParams.get('method')).toBe('shortest');
    expect(second.parsed.searchParams.get('cb')).not.toBe(first.parsed.searchParams.get('cb'));
  });

  it.each([403, 404])('answers null while the CDN says %i (not rendered yet)', async (status) => {
    browser.reply({ status, body: Buffer.from('<html>') });
    expect(await adapterWith().download(inflight({}), ref, signal)).toBeNull();
  });

  it('answers null for an empty file', async () => {
    browser.reply({ body: Buffer.alloc(0), headers: { 'content-type': 'image/png' } });
    expect(await adapterWith().download(inflight({}), ref, signal)).toBeNull();
  });

  it('throws a provider error for other failures', async () => {
    browser.reply({ status: 500, body: Buffer.from('oops') });
    const error = await rejection(adapterWith().download(inflight({}), ref, signal));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain(ref.url);
  });

  it('returns the bytes with the content type minus parameters, and no size for non-PNG files', async () => {
    const webp = Buffer.from('RIFF0000WEBPVP8 0000000000000000', 'ascii');
    browser.reply({ body: webp, headers: { 'content-type': 'image/webp; q=1' } });
    expect(await adapterWith().download(inflight({}), ref, signal)).toEqual({ bytes: webp, contentType: 'image/webp' });
  });

  it('assumes mp4 for a video without a content type', async () => {
    browser.reply({ body: Buffer.from('ftyp') });
    const file = await adapterWith().download(
      inflight({ kind: 'video' }),
      { index: 0, kind: 'video', url: `${CDN}/video/mj-1/0.mp4` },
      signal,
    );
    expect(file?.contentType).toBe('video/mp4');
  });
});

describe('storageTarget', () => {
  it('falls back to the job id and its creation time when there is no idea id or submit time', () => {
    const state = inflight({}, { submittedAt: undefined });
    expect(adapterWith({ bucket: 'designs' }).storageTarget(state, { index: 3, kind: 'video', url: '' })).toEqual({
      bucket: 'designs',
      path: `product_design/job-7/generated_${Date.parse('2026-03-01T10:00:00.000Z')}_3.mp4`,
    });
  });

  it('gives every cell of a job its own path, stable across calls', () => {
    const state = inflight({}, { submittedAt: '2026-03-01T10:00:05.000Z' });
    const adapter = adapterWith();
    const paths = [0, 1, 2, 3].map((index) => adapter.storageTarget(state, { index, kind: 'image', url: '' }).path);
    expect(new Set(paths).size).toBe(4);
    expect(adapter.storageTarget(state, { index: 2, kind: 'image', url: '' }).path).toBe(paths[2]);
  });
});

describe('classifyError', () => {
  it('passes provider exceptions through untouched', () => {
    const original = new ProviderException('QUEUE_FULL', 'full');
    expect(adapterWith().classifyError(original)).toBe(original);
  });

  it('maps timeouts, other errors and non-errors', () => {
    const adapter = adapterWith();
    const timeout = adapter.classifyError(Object.assign(new Error('Navigation timeout'), { name: 'TimeoutError' }));
    expect([timeout.code, timeout.message]).toEqual(['PROVIDER_TIMEOUT', 'Navigation timeout']);
    const other = adapter.classifyError(new TypeError('x is undefined'));
    expect([other.code, other.message]).toEqual(['PROVIDER_ERROR', 'x is undefined']);
    expect(adapter.classifyError('boom').message).toBe('boom');
  });
});

describe('proxyImage', () => {
  it.each([
    'https://evil.example/cdn.midjourney.com/a.png',
    'https://cdn.midjourney.com.evil.example/a.png',
    'https://cdn.midjourney.com@169.254.169.254/latest',
    'https://cdn.midjourney.com:8443/a.png',
    'https://www.midjourney.com/api/user-mutable-state',
  ])('refuses %s as a forbidden host without fetching', async (url) => {
    const error = await rejection(adapterWith().proxyImage(url, signal));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect((error as ProviderException & { forbiddenHost?: boolean }).forbiddenHost).toBe(true);
    expect(browser.requests).toEqual([]);
  });

  it('refuses a malformed URL as an invalid payload, not a forbidden host', async () => {
    const error = await rejection(adapterWith().proxyImage('cdn.midjourney.com/a.png', signal));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect((error as ProviderException & { forbiddenHost?: boolean }).forbiddenHost).toBeUndefined();
  });

  it('allows the configured CDN origin (the simulator) and the listed hosts', async () => {
    browser.reply({ body: Buffer.from('a') }, { body: Buffer.from('b') });
    const adapter = adapterWith({ cdnUrl: 'http://127.0.0.1:3002/cdn', cdnHosts: ['media.example'] });
    await adapter.proxyImage('http://127.0.0.1:3002/mj-1/0_0.png', signal);
    await adapter.proxyImage('https://media.example/x.png', signal);
    expect(browser.requests.map((r) => r.origin)).toEqual(['http://127.0.0.1:3002', 'https://media.example']);
    const error = await rejection(adapter.proxyImage('https://cdn.midjourney.com/a.png', signal));
    expect((error as ProviderException & { forbiddenHost?: boolean }).forbiddenHost).toBe(true);
  });

  it('serves a client-built cdn.midjourney.com URL from the configured CDN (the simulator in sandbox mode)', async () => {
    browser.reply({ body: Buffer.from('a') });
    const adapter = adapterWith({ cdnUrl: 'http://127.0.0.1:3002/', cdnHosts: ['cdn.midjourney.com'] });
    await adapter.proxyImage('https://cdn.midjourney.com/mj-1/0_0.png?cb=1', signal);
    expect(browser.requests.map((r) => [r.origin, r.url])).toEqual([
      ['http://127.0.0.1:3002', 'http://127.0.0.1:3002/mj-1/0_0.png?cb=1'],
    ]);
  });

  it('fetches the URL unchanged as bytes from the CDN origin', async () => {
    const png = Buffer.from('89504e47', 'hex');
    browser.reply({ body: png, headers: { 'content-type': 'image/png; charset=binary' } });
    const image = await adapterWith().proxyImage(`${CDN}/mj-1/0_0.png?x=1`, signal);
    expect(browser.requests).toEqual([
      {
        origin: CDN,
        url: `${CDN}/mj-1/0_0.png?x=1`,
        init: { responseType: 'bytes', timeoutMs: 60_000 },
        signal,
      },
    ]);
    expect(image).toEqual({ bytes: png, contentType: 'image/png' });
  });

  it('defaults the content type to octet-stream', async () => {
    browser.reply({ body: Buffer.from('?') });
    expect((await adapterWith().proxyImage(`${CDN}/a`, signal)).contentType).toBe('application/octet-stream');
  });

  it('flags 404 as not found and other failures as provider errors', async () => {
    browser.reply({ status: 404, body: Buffer.alloc(0) }, { status: 403, body: Buffer.alloc(0) });
    const missing = await rejection(adapterWith().proxyImage(`${CDN}/a`, signal));
    expect((missing as ProviderException & { notFound?: boolean }).notFound).toBe(true);
    const denied = await rejection(adapterWith().proxyImage(`${CDN}/a`, signal));
    expect(denied.code).toBe('PROVIDER_ERROR');
    expect((denied as ProviderException & { notFound?: boolean }).notFound).toBeUndefined();
  });
});

describe('findSubmission', () => {
  const began = Date.parse('2026-03-01T10:00:00.000Z');
  const at = (offsetMs: number) => new Date(began + offsetMs).toISOString();
  const state = (input: Record<string, unknown>, operation = 'imagine', over: Partial<InflightState> = {}) =>
    inflight(undefined, { job: job(input, { operation }), submittingAt: at(0), updatedAt: at(60_000), ...over });

  it('lists the account’s newest jobs with a GET and no body', async () => {
    browser.reply({ body: { data: [] } });
    expect(await adapterWith().findSubmission(state({ prompt: 'a fox' }), signal)).toBeNull();
    const [request] = browser.requests;
    expect(request.url).toBe(`${APP}/api/imagine?user_id=u-1&page_size=50`);
    expect(request.init.method).toBe('GET');
    expect(request.init.body).toBeUndefined();
  });

  it('learns the user id from the session first when it is not configured', async () => {
    browser.jar = [{ name: ID_COOKIE, value: jwt({ user_id: 'from-cookie' }) }];
    browser.show('in').reply({ body: { data: [] } });
    await adapterWith({ userId: undefined }).findSubmission(state({ prompt: 'a fox' }), signal);
    expect(browser.requests[0].url).toBe(`${APP}/api/imagine?user_id=from-cookie&page_size=50`);
  });

  it('matches MJ’s echo (other URL, version suffix, case) and ignores jobs from before the submit', async () => {
    browser.reply({
      body: {
        data: [
          { id: 'too-old', full_command: 'a fox --v 7.0', enqueue_time: at(-5_001), batch_size: 4 },
          { id: 'no-time', full_command: 'a fox --v 7.0', batch_size: 4 },
          { id: 'other', full_command: 'a wolf --v 7.0', enqueue_time: at(1_000), batch_size: 4 },
          { id: 'ours', full_command: 'https://s.mj.run/zz A Fox --chaos 5 --v 7.0', enqueue_time: at(2_000) },
        ],
      },
    });
    const found = await adapterWith().findSubmission(state({ prompt: 'a fox', imageUrl: 'https://e.com/a' }), signal);
    expect(found).toEqual({
      providerJobId: 'ours',
      expectedCount: 5,
      kind: 'image',
      expectedDurationMs: 60_000,
      providerPrompt: 'https://s.mj.run/zz A Fox --chaos 5 --v 7.0',
      meta: { grid: true },
    });
  });

  it('accepts jobs enqueued up to five seconds before the recorded start (clock skew)', async () => {
    browser.reply({ body: { data: [{ id: 'skewed', full_command: 'a fox', enqueue_time: at(-5_000) }] } });
    expect((await adapterWith().findSubmission(state({ prompt: 'a fox' }), signal))?.providerJobId).toBe('skewed');
  });

  it('measures from updatedAt when the submit start was not recorded', async () => {
    browser.reply({ body: { data: [{ id: 'early', full_command: 'a fox', enqueue_time: at(1_000) }] } });
    const found = await adapterWith().findSubmission(
      state({ prompt: 'a fox' }, 'imagine', { submittingAt: undefined }),
      signal,
    );
    expect(found).toBeNull(); // updatedAt is a minute later
  });

  it('takes the oldest of several matches', async () => {
    browser.reply({
      body: {
        data: [
          { id: 'newer', full_command: 'a fox', enqueue_time: at(3_000) },
          { id: 'older', full_command: 'a fox', enqueue_time: at(1_000) },
          { id: 'middle', full_command: 'a fox', enqueue_time: at(2_000) },
        ],
      },
    });
    expect((await adapterWith().findSubmission(state({ prompt: 'a fox' }), signal))?.providerJobId).toBe('older');
  });

  it('recognises a video job by its text prompt and keeps its batch size', async () => {
    browser.reply({
      body: {
        data: [
          {
            id: 'vid',
            full_command: 'waves https://s.mj.run/x --motion low --video 1 --bs 2',
            event_type: 'video_diffusion',
            enqueue_time: at(500),
            batch_size: 2,
          },
        ],
      },
    });
    const found = await adapterWith({ expectedRenderMs: 777 }).findSubmission(
      state({ imageUrl: 'https://e.com/a.png', textPrompt: 'Waves' }, 'video'),
      signal,
    );
    expect(found).toMatchObject({ providerJobId: 'vid', kind: 'video', expectedCount: 2, expectedDurationMs: 777 });
  });

  it('caps an image job found in the list at four cells (plus the grid composite)', async () => {
    browser.reply({ body: { data: [{ id: 'big', full_command: 'a fox', enqueue_time: at(1), batch_size: 16 }] } });
    expect((await adapterWith().findSubmission(state({ prompt: 'a fox' }), signal))?.expectedCount).toBe(5);
  });

  it('finds a job whose prompt contained curly quotes (MJ echoes the straightened prompt that was sent)', async () => {
    browser.reply({
      body: { data: [{ id: 'ours', full_command: "a fox's den --v 7.0", enqueue_time: at(1), batch_size: 4 }] },
    });
    expect((await adapterWith().findSubmission(state({ prompt: 'a fox’s den' }), signal))?.providerJobId).toBe('ours');
  });

  it('does not take an image job for a video with an empty text', async () => {
    browser.reply({
      body: {
        data: [{ id: 'img', full_command: 'a fox', enqueue_time: at(1), batch_size: 4, event_type: 'diffusion' }],
      },
    });
    expect(
      await adapterWith().findSubmission(state({ imageUrl: 'https://e.com/a.png', textPrompt: '' }, 'video'), signal),
    ).toBeNull();
  });
});
