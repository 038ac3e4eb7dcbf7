import { Injectable, Logger } from '@nestjs/common';
import {
  MJ_BLEND_AR,
  MJ_RUNNABLE_ACTIONS,
  MJ_VIDEO_OPERATIONS,
  MidjourneyActionPayload,
  MidjourneyBlendPayload,
  MidjourneyDescribePayload,
  MidjourneyImaginePayload,
  MidjourneyVideoPayload,
  type MidjourneyStoredImage,
  allowedActions,
  ProviderException,
  parsePayload,
  type JobMessage,
} from '@app/contracts';
import type { Page } from 'puppeteer-core';
import { BrowserSession, type FetchResult } from '@app/browser';
import { ObjectStorage } from '@app/storage';
import {
  BrowserProviderAdapter,
  fetchExternalImage,
  isChallenge,
  pngSize,
  type AccountCheck,
  type DownloadedFile,
  type InflightState,
  type PollOutcome,
  type ResultRef,
  type Submission,
  readStoredUpload,
} from '@app/provider-adapter';
import { MidjourneyAdapterConfig } from './midjourney-adapter.config.js';
import { actionFields, metadata, siteMode } from './actions.js';
import { MidjourneySocket, PageSocketTransport, TERMINAL_STATUSES, type JobNews } from './midjourney-socket.js';
import { buildImaginePrompt, buildVideoPrompt, comparablePrompt, sanitizePrompt } from './prompt-builder.js';

const ID_COOKIE = '__Host-Midjourney.AuthUserTokenV3_i';
const REFRESH_COOKIE = '__Host-Midjourney.AuthUserTokenV3_r';
/** The site's CDN host, which clients put in the URLs they build. */
const SITE_CDN_HOST = 'cdn.midjourney.com';
/** How long a submission waits for the socket to open (subscribed before submitting); later, it is polled. */
const SOCKET_WAIT_MS = 5_000;
/** Jobs show up in the account's feed within this of their submission; before it, "not listed" proves nothing. */
const FEED_SETTLE_MS = 10_000;
type Marker = 'in' | 'out' | 'challenge';
/** File name extensions of the image types uploaded to the site. */
const UPLOAD_EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
};
const RENDER_MS: Record<string, number> = { fast: 60_000, relax: 120_000, relaxed: 120_000, turbo: 30_000 };

/** One `success[]` entry of /api/submit-jobs (PROVIDERS.md §2.5). */
interface SubmitSuccess {
  job_id?: string;
  prompt?: unknown;
  is_queued?: boolean;
  softban?: boolean;
  meta?: { batch_size?: number; width?: number; height?: number };
}

/** Maps a `failure[]` entry of /api/submit-jobs to our codes (PROVIDERS.md §2.8). */
export function classifyFailure(failure: { type?: string; message?: string } | undefined): ProviderException {
  const text = `${failure?.type ?? ''} ${failure?.message ?? ''}`;
  if (/queue|concurrent|maximum allowed/i.test(text)) {
    // The account's queue at MJ is full: the job waits in ours (account held a while), it has not failed.
    return new ProviderException('QUEUE_FULL', failure?.message ?? 'Queue full', undefined, { waitInQueue: true });
  }
  if (/invalid|unrecognized|parameter|conflict/i.test(text)) {
    return new ProviderException('INVALID_PARAMETER', failure?.message ?? 'Invalid parameter');
  }
  if (/verify you're human|blocked/i.test(text)) {
    return new ProviderException('CHALLENGE', failure?.message ?? 'Verification required');
  }
  return new ProviderException(
    'CONTENT_REJECTED',
    failure?.message || 'The prompt was rejected by Midjourney moderation',
  );
}

/** Midjourney web, driven through `fetch` inside a signed-in midjourney.com page (PROVIDERS.md §2). */
@Injectable()
export class MidjourneyAdapter extends BrowserProviderAdapter {
  readonly provider = 'midjourney' as const;
  readonly operations = [
    'imagine',
    'video',
    'blend',
    'describe',
    'upscale',
    'vary',
    'reroll',
    'pan',
    'animate',
    'extend',
  ] as const;
  private readonly logger = new Logger(MidjourneyAdapter.name);
  private readonly app: string;
  private readonly cdn: string;
  private userId?: string;
  private checking?: Promise<AccountCheck>;
  private refreshing?: Promise<Marker | null>;
  /** The plan as /api/user-mutable-state showed it at the last account check. */
  private plan: Record<string, unknown> | null = null;
  /** Live job news (PROVIDERS.md §2.3); absent when turned off. */
  readonly socket?: MidjourneySocket;

  constructor(
    browser: BrowserSession,
    private readonly config: MidjourneyAdapterConfig,
    /** Where the gateway keeps images uploaded in request bodies (base64 on /mj/*). */
    private readonly storage: ObjectStorage,
  ) {
    super(browser);
    this.app = new URL(config.appUrl).origin;
    this.cdn = new URL(config.cdnUrl).origin;
    this.userId = config.userId;
    if (config.socket) {
      this.socket = new MidjourneySocket({
        url: config.wsUrl,
        transport: new PageSocketTransport(browser, `${this.app}/imagine`),
        token: (signal) => this.websocketToken(signal),
        logger: this.logger,
      });
      browser.onRelaunch(() => this.socket?.dropped('browser relaunched'));
    }
  }

  override async stop(): Promise<void> {
    await this.socket?.stop();
    await super.stop();
  }

  // ------------------------------------------------------------ live news (websocket)

  override watch(wake: (providerJobId?: string) => void): void {
    this.socket?.onNews(wake);
  }

  override pushes(state: InflightState): boolean {
    const id = state.submission?.providerJobId;
    return !!id && !!this.socket?.live(id);
  }

  /**
   * The socket's token comes with the session login the web app itself makes (`/api/firebase-login` with the
   * session's own Firebase tokens answers `authUser.websocketToken`; pub, unverified).
   */
  private async websocketToken(signal: AbortSignal): Promise<string> {
    const cookies = await this.browser.cookies(this.app);
    const idToken = cookies.find((c) => c.name === ID_COOKIE)?.value;
    const refreshToken = cookies.find((c) => c.name === REFRESH_COOKIE)?.value;
    if (!idToken) throw new ProviderException('SIGNED_OUT', 'No Midjourney session token for the websocket');
    const res = await this.call<{ authUser?: { websocketToken?: string }; websocketToken?: string }>(
      'POST',
      '/api/firebase-login',
      { type: 'firebase', cookie: { type: 'firebase', idToken, refreshToken } },
      signal,
    );
    const body = typeof res.body === 'object' && res.body ? res.body : {};
    const token = body.authUser?.websocketToken ?? body.websocketToken;
    if (!res.ok || !token) throw new Error(`no websocket token (HTTP ${res.status})`);
    return token;
  }

  /** A poll answered from socket news: terminal news always; progress while it is fresh and the job followed. */
  private fromSocket(state: InflightState): PollOutcome | undefined {
    const submission = state.submission!;
    const news: JobNews | undefined = this.socket?.latest(submission.providerJobId);
    if (!news) return undefined;
    if (news.status && TERMINAL_STATUSES.has(news.status)) {
      return this.outcomeOf(state, news.status, news.progress);
    }
    const fresh = Date.now() - news.at < this.config.socketFreshMs;
    if (!fresh || !this.socket!.live(submission.providerJobId)) return undefined;
    return { state: news.status === 'queued' ? 'queued' : 'running', progress: news.progress, ready: [] };
  }

  // ------------------------------------------------------------ account

  /**
   * Opens /imagine in a tab of its own and reads the markers. Never the shared API page: navigating that would
   * abort in-flight calls of running jobs (and theirs this check). Concurrent checks share one run.
   */
  checkAccount(signal: AbortSignal): Promise<AccountCheck> {
    this.checking ??= this.runAccountCheck(signal).finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async runAccountCheck(signal: AbortSignal): Promise<AccountCheck> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const marker = await this.pageMarker(signal);
      if (marker === 'in') {
        this.userId = this.config.userId ?? (await this.userIdFromSession());
        void this.socket?.ready(0); // open it now, so the first submission need not wait
        await this.readPlan(signal);
        return { signedIn: true, state: 'ready' };
      }
      if (marker === 'out') return { signedIn: false, state: 'signed_out', detail: 'Midjourney shows the login page' };
      // A challenge gets one reload (it may clear); a second one locks the account for an operator.
      if (marker === 'challenge' && attempt === 1) {
        return { signedIn: false, state: 'challenge', detail: 'Cloudflare challenge persists' };
      }
    }
    return {
      signedIn: false,
      state: 'error',
      detail: 'Neither the prompt bar nor the login link appeared on /imagine',
    };
  }

  override planFacts(): Record<string, unknown> | null {
    return this.plan;
  }

  /**
   * The account's own mode (the web app's default speed), fast hours left and whether relax is allowed, for the
   * pool's registry and a pending job's `queue`. Facts, not a condition: a failed read keeps the last ones.
   */
  private async readPlan(signal: AbortSignal): Promise<void> {
    try {
      const res = await this.call<{
        settings?: { speed?: unknown };
        fast_time_remaining?: unknown;
        relax_enabled?: unknown;
        subscription_type?: unknown;
      }>('GET', '/api/user-mutable-state', undefined, signal);
      if (!res.ok || typeof res.body !== 'object' || !res.body) throw new Error(`HTTP ${res.status}`);
      const body = res.body;
      const speed = body.settings?.speed;
      this.plan = {
        ...(typeof speed === 'string' ? { mode: speed === 'relaxed' ? 'relax' : speed } : {}),
        ...(typeof body.fast_time_remaining === 'number' ? { fastHoursLeft: body.fast_time_remaining } : {}),
        ...(typeof body.relax_enabled === 'boolean' ? { relaxEnabled: body.relax_enabled } : {}),
        ...(typeof body.subscription_type === 'string' ? { subscription: body.subscription_type } : {}),
      };
    } catch (error) {
      signal.throwIfAborted();
      this.logger.warn(`reading the account's plan failed: ${String(error)}`);
    }
  }

  /** What /imagine shows in a fresh tab; null when it could not load or showed neither marker in time. */
  private async pageMarker(signal: AbortSignal): Promise<Marker | null> {
    let tab: Page;
    try {
      tab = await this.browser.openTab(`${this.app}/imagine`, signal);
    } catch (error) {
      signal.throwIfAborted();
      this.logger.warn(`opening /imagine failed: ${String(error)}`);
      return null;
    }
    try {
      const handle = await tab
        .waitForFunction(
          () => {
            if (document.querySelector('textarea#desktop_input_bar, textarea[placeholder="What will you imagine?"]')) {
              return 'in';
            }
            if (document.querySelector('a[href*="login"]')) return 'out';
            if (/moment/i.test(document.title) || document.querySelector('#challenge-platform, [id^="cf-chl"]')) {
              return 'challenge';
            }
            return false;
          },
          { timeout: 20_000, polling: 200 },
        )
        .catch(() => null);
      return ((await handle?.jsonValue()) as Marker | undefined) ?? null;
    } finally {
      await this.browser.closeTab(tab);
    }
  }

  /**
   * The web app's own recovery after a 401 or a challenge: load /imagine once (its script refreshes the session
   * token; a challenge may clear), in a tab of its own so running calls on the shared page go on. Concurrent
   * recoveries share one load.
   */
  private refreshSession(signal: AbortSignal): Promise<Marker | null> {
    this.refreshing ??= this.pageMarker(signal)
      .catch(() => null)
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The MJ user id sits in the session JWT's payload; channelId is `singleplayer_<id>`. */
  private async userIdFromSession(): Promise<string> {
    const cookies = await this.browser.cookies(this.app);
    const token = cookies.find((c) => c.name === ID_COOKIE)?.value;
    const payload = token?.split('.')[1];
    if (payload) {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
        user_id?: string;
        sub?: string;
        midjourney_id?: string;
      };
      const id = claims.midjourney_id ?? claims.user_id ?? claims.sub;
      if (id) return id;
    }
    throw new ProviderException(
      'SIGNED_OUT',
      'No Midjourney session token; set MIDJOURNEY_USER_ID or re-import cookies',
    );
  }

  private async channelId(signal: AbortSignal): Promise<string> {
    if (!this.userId) {
      const check = await this.checkAccount(signal);
      if (!check.signedIn) {
        throw new ProviderException(
          check.state === 'challenge' ? 'CHALLENGE' : 'SIGNED_OUT',
          check.detail ?? 'Not signed in',
        );
      }
    }
    return `singleplayer_${this.userId}`;
  }

  // ------------------------------------------------------------ calls

  /**
   * One /api call from the page with the recovery the web app itself does: on 401 reload /imagine (the page
   * refreshes its token) and retry once; on a challenge reload once; then classify.
   */
  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    opts: { submit?: boolean; form?: boolean } = {},
  ): Promise<FetchResult<T>> {
    for (let attempt = 0; ; attempt++) {
      let res: FetchResult<T>;
      try {
        res = await this.browser.fetch<T>(
          this.app,
          `${this.app}${path}`,
          opts.form
            ? { method, headers: { 'x-csrf-protection': '1' }, form: body as never, timeoutMs: 60_000 }
            : {
                method,
                headers: {
                  'x-csrf-protection': '1',
                  'content-type': 'application/json',
                  accept: 'application/json, text/plain, */*',
                },
                body: body === undefined ? undefined : JSON.stringify(body),
                timeoutMs: 30_000,
              },
          signal,
        );
      } catch (error) {
        const timeout = error instanceof Error && error.name === 'TimeoutError';
        // The request may have reached MJ: a submission must be reconciled, never repeated blindly.
        throw new ProviderException(
          timeout ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR',
          `Midjourney ${path}: ${String(error)}`,
          undefined,
          opts.submit ? { outcomeUnknown: true } : {},
        );
      }
      if ((res.status === 401 || isChallenge(res)) && attempt === 0) {
        await this.refreshSession(signal);
        continue;
      }
      if (res.status === 401) {
        throw new ProviderException('SIGNED_OUT', 'Midjourney session expired or revoked; re-import cookies');
      }
      if (isChallenge(res)) {
        throw new ProviderException(
          'CHALLENGE',
          'Cloudflare challenge persists after a reload; solve it in a headed browser on this profile',
        );
      }
      if (res.status === 429) {
        const retryAfter = Number(res.headers['retry-after']);
        throw new ProviderException('RATE_LIMITED', 'Midjourney answered 429 Too Many Requests', undefined, {
          retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 30_000,
        });
      }
      if (res.status >= 500) {
        // A 5xx on submit may come from an edge after MJ accepted the job: reconcile through the feed.
        throw new ProviderException(
          'PROVIDER_ERROR',
          `Midjourney ${path} answered ${res.status}`,
          undefined,
          opts.submit ? { outcomeUnknown: true } : {},
        );
      }
      if (res.status === 403) throw new ProviderException('CHALLENGE', `Midjourney ${path} answered 403`);
      return res;
    }
  }

  // ------------------------------------------------------------ jobs

  async submit(job: JobMessage, signal: AbortSignal): Promise<Submission> {
    const channelId = await this.channelId(signal);
    if (job.operation === 'describe') return this.describe(job, signal);
    const { fields, prompt, kind, mode, imagePrompts, expectedCount, uploadUrl } = await this.submitFields(job, signal);
    const input = job.input as { private?: unknown; options?: { private?: unknown } };
    const body = {
      f: { mode, private: !!(job.operation === 'imagine' ? input.options?.private : input.private) },
      channelId,
      roomId: null,
      metadata: metadata(kind, imagePrompts),
      ...fields,
    };

    // Subscribed before submitting: the socket streams only jobs that start after the subscription.
    const socketGeneration = await this.socket?.ready(SOCKET_WAIT_MS);
    const res = await this.call<{
      success?: SubmitSuccess[];
      failure?: Array<{ type?: string; message?: string }>;
    }>('POST', '/api/submit-jobs', body, signal, { submit: true });
    const answer = res.body && typeof res.body === 'object' ? res.body : {};
    const item = Array.isArray(answer.success) ? answer.success[0] : undefined;
    // Accepted only with a job id (the original read ids from wrong fields and "succeeded" without one). A failure
    // entry or a soft ban is a clear refusal; an answer with neither (an edge's page, an empty body) may hide an
    // accepted job, so it is reconciled through the feed rather than submitted again.
    if (!item?.job_id) {
      const failure = Array.isArray(answer.failure) ? answer.failure[0] : undefined;
      if (failure) throw classifyFailure(failure);
      if (item?.softban) throw new ProviderException('CONTENT_REJECTED', 'Midjourney soft-banned the prompt');
      if (res.status >= 400) {
        throw new ProviderException('PROVIDER_ERROR', `Midjourney refused the job (HTTP ${res.status})`);
      }
      throw new ProviderException(
        'PROVIDER_ERROR',
        `Midjourney answered neither success nor failure (HTTP ${res.status})`,
        undefined,
        { outcomeUnknown: true },
      );
    }
    if (item.softban) throw new ProviderException('CONTENT_REJECTED', 'Midjourney soft-banned the prompt');
    if (socketGeneration !== undefined) this.socket!.follow(String(item.job_id), socketGeneration);
    const batch = Number(item.meta?.batch_size) || expectedCount;
    const files = kind === 'image' ? Math.min(4, batch) : batch;
    // A grid also brings its composite (grid_0), stored beside the cells and counted with them.
    const grid = kind === 'image' && files > 1;
    return {
      providerJobId: String(item.job_id),
      expectedCount: grid ? files + 1 : files,
      kind,
      expectedDurationMs: this.config.expectedRenderMs || (RENDER_MS[mode] ?? 60_000) * (kind === 'video' ? 1.5 : 1),
      queued: !!item.is_queued,
      submittedPrompt: prompt,
      providerPrompt: typeof item.prompt === 'string' ? item.prompt : undefined,
      meta: { width: item.meta?.width, height: item.meta?.height, mode, ...(grid ? { grid } : {}) },
      // Midjourney's own answer and the upload's short URL, for the original routes' answers.
      result: { providerResponse: answer, ...(uploadUrl ? { uploadUrl } : {}) },
    };
  }

  /** The operation's part of the /api/submit-jobs body; reference images are uploaded first. */
  private async submitFields(
    job: JobMessage,
    signal: AbortSignal,
  ): Promise<{
    fields: Record<string, unknown>;
    prompt: string;
    kind: 'image' | 'video';
    mode: 'relax' | 'fast' | 'turbo';
    imagePrompts: number;
    expectedCount: number;
    /** Midjourney's short URL of the uploaded image (the original's `imageUrl` answer). */
    uploadUrl?: string;
  }> {
    switch (job.operation) {
      case 'imagine': {
        const input = parsePayload(MidjourneyImaginePayload, job.input);
        const o = input.options;
        const shortUrl = input.imageUrl ? await this.upload(input.imageUrl, signal) : undefined;
        // Image prompts uploaded in the request body go up after the URL one, in their order.
        const uploaded: string[] = [];
        for (const upload of input.uploads ?? []) uploaded.push(await this.upload(upload, signal));
        // Style and omni references given as URLs go up first, like the image prompt; style codes stay as they are.
        let styleRefs: string[] | undefined;
        if (o.style_refs) {
          styleRefs = [];
          for (const ref of o.style_refs) styleRefs.push(/^https?:/i.test(ref) ? await this.upload(ref, signal) : ref);
        }
        const omniRef = o.omni_ref ? await this.upload(o.omni_ref, signal) : undefined;
        const prompt = buildImaginePrompt(input, shortUrl, { styleRefs, omniRef, imageUrls: uploaded });
        return {
          fields: { t: 'imagine', prompt },
          prompt,
          kind: 'image',
          mode: siteMode(o.mode, 'relax'),
          imagePrompts: (shortUrl ? 1 : 0) + uploaded.length,
          expectedCount: 4,
          uploadUrl: shortUrl,
        };
      }
      case 'blend': {
        const input = parsePayload(MidjourneyBlendPayload, job.input);
        const urls: string[] = [];
        for (const source of [...input.imageUrls, ...(input.uploads ?? [])]) {
          urls.push(await this.upload(source, signal));
        }
        // A blend is an imagine of the uploaded images alone, at the chosen dimensions' aspect ratio.
        const prompt = [...urls, `--ar ${MJ_BLEND_AR[input.dimensions]}`].join(' ');
        return {
          fields: { t: 'imagine', prompt },
          prompt,
          kind: 'image',
          mode: siteMode(input.mode, 'relax'),
          imagePrompts: urls.length,
          expectedCount: 4,
        };
      }
      case 'video': {
        const input = parsePayload(MidjourneyVideoPayload, job.input);
        const shortUrl = await this.upload((input.upload ?? input.imageUrl)!, signal);
        const endSource = input.endUpload ?? input.endImageUrl;
        const end = endSource ? await this.upload(endSource, signal) : input.loop ? 'loop' : undefined;
        const prompt = buildVideoPrompt({ ...input, end }, shortUrl);
        return {
          fields: {
            t: 'video',
            // An end frame (or loop) takes the start-and-end video type with `--end` (PROVIDERS.md, the video body).
            videoType: end ? 'vid_1.1_i2v_start_end_480' : 'vid_1.1_i2v_480',
            newPrompt: prompt,
            parentJob: null,
            animateMode: 'manual',
          },
          prompt,
          kind: 'video',
          mode: siteMode(input.mode, 'fast'),
          imagePrompts: 0,
          expectedCount: input.batchSize ?? 4,
          uploadUrl: shortUrl,
        };
      }
      default: {
        if (!(MJ_RUNNABLE_ACTIONS as readonly string[]).includes(job.operation)) {
          throw new ProviderException('INVALID_PAYLOAD', `Unknown Midjourney operation ${job.operation}`);
        }
        const input = parsePayload(MidjourneyActionPayload, job.input);
        if (input.action !== job.operation) {
          throw new ProviderException('INVALID_PAYLOAD', `Action ${input.action} sent as ${job.operation}`);
        }
        const endUrl = input.endImageUrl ? await this.upload(input.endImageUrl, signal) : undefined;
        const action = actionFields(input, endUrl);
        return {
          ...action,
          mode: siteMode(input.mode, action.kind === 'video' ? 'fast' : 'relax'),
          imagePrompts: 0,
        };
      }
    }
  }

  /** `/api/describe` answers at once (§2.4): the job completes at its first poll with the four prompts. */
  private async describe(job: JobMessage, signal: AbortSignal): Promise<Submission> {
    const input = parsePayload(MidjourneyDescribePayload, job.input);
    const imageUrl = await this.upload((input.upload ?? input.imageUrl)!, signal);
    const res = await this.call<{ data?: { descriptions?: unknown } }>(
      'POST',
      '/api/describe',
      { image_url: imageUrl },
      signal,
    );
    const found = typeof res.body === 'object' && res.body ? res.body.data?.descriptions : undefined;
    if (!res.ok || !Array.isArray(found)) {
      throw new ProviderException(
        'PROVIDER_ERROR',
        `Midjourney describe answered HTTP ${res.status} without descriptions`,
      );
    }
    const descriptions = found.filter((d): d is string => typeof d === 'string');
    return {
      providerJobId: `describe-${job.jobId}`,
      expectedCount: 0,
      kind: 'image',
      expectedDurationMs: 1,
      result: { descriptions },
      meta: { describe: true },
    };
  }

  /**
   * Uploads a reference image — fetched with the SSRF guard, or read back from storage when the gateway kept it
   * from a request body — and returns the URL MJ wants in the prompt. Nothing reaches MJ's submit before this.
   */
  private async upload(source: string | MidjourneyStoredImage, signal: AbortSignal): Promise<string> {
    const image =
      typeof source === 'string'
        ? await fetchExternalImage(source, {
            allowPrivate: this.config.allowPrivateUrls,
            maxBytes: this.config.maxImageBytes,
            signal,
          })
        : await this.stored(source, signal);
    const ext = UPLOAD_EXTENSIONS[image.contentType.replace('image/jpg', 'image/jpeg')] ?? 'png';
    let res: FetchResult<{ shortUrl?: string; bucketPathname?: string }>;
    try {
      res = await this.call(
        'POST',
        '/api/storage-upload-file',
        [
          {
            name: 'file',
            filename: `upload_${Date.now()}.${ext}`,
            contentType: image.contentType,
            base64: image.bytes.toString('base64'),
          },
        ],
        signal,
        { form: true },
      );
    } catch (error) {
      if (error instanceof ProviderException && ['SIGNED_OUT', 'CHALLENGE', 'RATE_LIMITED'].includes(error.code)) {
        throw error;
      }
      throw new ProviderException(
        'UPLOAD_FAILED',
        `Reference image upload failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const body = typeof res.body === 'object' && res.body ? res.body : {};
    const url = body.shortUrl ?? (body.bucketPathname ? `${this.cdn}/u/${body.bucketPathname}` : undefined);
    if (!res.ok || !url) {
      throw new ProviderException('UPLOAD_FAILED', `Reference image upload answered HTTP ${res.status}`);
    }
    return url;
  }

  /** An image the gateway stored from a request body. */
  private async stored(
    upload: MidjourneyStoredImage,
    signal: AbortSignal,
  ): Promise<{ bytes: Buffer; contentType: string }> {
    const object = await readStoredUpload(this.storage, upload, signal, (m) => this.logger.warn(m));
    if (object.bytes.length > this.config.maxImageBytes) {
      throw new ProviderException(
        'UPLOAD_FAILED',
        `The uploaded image is larger than ${this.config.maxImageBytes} bytes`,
      );
    }
    return { bytes: object.bytes, contentType: upload.contentType };
  }

  /**
   * After a crash mid-submit: look for our prompt in the account's newest jobs, enqueued after we started. Two
   * identical prompts submitted within seconds could still be confused; that risk is logged, not hidden.
   */
  override async findSubmission(state: InflightState, signal: AbortSignal): Promise<Submission | null> {
    // A describe makes no job at Midjourney (it answers at once): asking again is harmless.
    if (state.job.operation === 'describe') return null;
    const since = Date.parse(state.submittingAt ?? state.updatedAt) - 5000;
    const input = state.job.input as { prompt?: string; textPrompt?: string; parentPrompt?: string };
    // Compare with what was submitted (sanitized: curly quotes straightened), not the raw input. A follow-up
    // without a new prompt carries its parent's.
    const wanted = comparablePrompt(
      sanitizePrompt(String(input.prompt ?? input.textPrompt ?? input.parentPrompt ?? '')),
    );
    const videoJob = (MJ_VIDEO_OPERATIONS as readonly string[]).includes(state.job.operation);
    await this.channelId(signal);
    const res = await this.call<{
      data?: Array<{
        id: string;
        full_command?: string;
        enqueue_time?: string;
        batch_size?: number;
        event_type?: string;
      }>;
    }>('GET', `/api/imagine?user_id=${this.userId}&page_size=50`, undefined, signal);
    const items = (typeof res.body === 'object' && res.body?.data) || [];
    // Same kind of job (an empty video text would otherwise match any job), enqueued after our submit began.
    const isVideo = (item: { event_type?: string }) => item.event_type === 'video_diffusion';
    const matches = items.filter(
      (item) =>
        Date.parse(item.enqueue_time ?? '') >= since &&
        isVideo(item) === videoJob &&
        comparablePrompt(item.full_command ?? '').includes(wanted.split(' --')[0]),
    );
    if (matches.length === 0) {
      // A job accepted a moment ago may not be listed yet: only a feed old enough proves it was never created.
      const settled = Date.now() - Date.parse(state.submittingAt ?? state.updatedAt);
      if (settled < FEED_SETTLE_MS) {
        throw new ProviderException('SUBMISSION_UNKNOWN', 'Not in the job feed yet; asking again', undefined, {
          retryAfterMs: FEED_SETTLE_MS - settled,
        });
      }
      return null;
    }
    if (matches.length > 1) {
      this.logger.warn(
        `${matches.length} recent jobs match ${state.job.jobId}; taking the oldest after the submit began`,
      );
    }
    const item = matches.sort((a, b) => Date.parse(a.enqueue_time!) - Date.parse(b.enqueue_time!))[0];
    const video = item.event_type === 'video_diffusion' || videoJob;
    const cells = Math.min(4, Number(item.batch_size) || (state.job.operation === 'upscale' ? 1 : 4));
    const grid = !video && cells > 1;
    return {
      providerJobId: item.id,
      expectedCount: video ? Number(item.batch_size) || 4 : grid ? cells + 1 : cells,
      ...(grid ? { meta: { grid } } : {}),
      kind: video ? 'video' : 'image',
      expectedDurationMs: this.config.expectedRenderMs || 60_000,
      providerPrompt: item.full_command,
    };
  }

  async poll(state: InflightState, signal: AbortSignal): Promise<PollOutcome> {
    const submission = state.submission!;
    if (submission.meta?.describe) return { state: 'completed', progress: 100, ready: [], expectedCount: 0 };
    const pushed = this.fromSocket(state);
    if (pushed) return pushed;
    const res = await this.call<Array<{ id: string; current_status?: string; percentage_complete?: number }>>(
      'POST',
      '/api/job-status',
      { jobIds: [submission.providerJobId] },
      signal,
    );
    const entry = Array.isArray(res.body) ? res.body.find((e) => e.id === submission.providerJobId) : undefined;
    // Without a status entry the CDN is the only truth: probe the files.
    if (!entry) return { state: 'running', ready: this.resultRefs(submission) };
    return this.outcomeOf(state, entry.current_status, entry.percentage_complete);
  }

  /** One job status (from /api/job-status or the socket) as a poll outcome. */
  private outcomeOf(state: InflightState, status: string | undefined, progress: number | undefined): PollOutcome {
    if (status === 'moderated') {
      return {
        state: 'failed',
        ready: [],
        error: new ProviderException('CONTENT_REJECTED', 'Midjourney moderated the job'),
      };
    }
    if (status === 'failed') {
      return {
        state: 'failed',
        ready: [],
        error: new ProviderException('PROVIDER_ERROR', 'Midjourney failed the job'),
      };
    }
    if (status === 'completed') {
      return {
        state: 'completed',
        progress: 100,
        ready: this.resultRefs(state.submission!),
        result: { actions: this.actionsOf(state) },
      };
    }
    return { state: status === 'queued' ? 'queued' : 'running', progress, ready: [] };
  }

  /**
   * The job's files at the CDN: cells `0_{i}.png` (or videos), and for a grid its composite `grid_0.png`, counted
   * in `expectedCount` (cells + 1) and stored as `result.grid`.
   */
  private resultRefs(submission: Submission): ResultRef[] {
    const { providerJobId: jobId, kind } = submission;
    const cells = this.cellsOf(submission);
    if (kind === 'video') {
      return Array.from({ length: cells }, (_, i) => ({ index: i, kind, url: `${this.cdn}/video/${jobId}/${i}.mp4` }));
    }
    const refs: ResultRef[] = Array.from({ length: cells }, (_, i) => ({
      index: i,
      kind,
      url: `${this.cdn}/${jobId}/0_${i}.png`,
    }));
    if (submission.meta?.grid) refs.push({ index: cells, kind, url: `${this.cdn}/${jobId}/grid_0.png`, role: 'grid' });
    return refs;
  }

  /** Cells (or videos) of a job: its expected files less the grid composite, when it has one. */
  private cellsOf(submission: Submission): number {
    return submission.meta?.grid ? submission.expectedCount - 1 : submission.expectedCount;
  }

  /** The follow-ups the finished job allows (`result.actions`, grammar in contracts' `allowedActions`). */
  private actionsOf(state: InflightState): string[] {
    const submission = state.submission!;
    const files = this.cellsOf(submission);
    return allowedActions({
      operation: state.job.operation,
      images: submission.kind === 'image' ? files : 0,
      videos: submission.kind === 'video' ? files : 0,
    });
  }

  async download(_state: InflightState, ref: ResultRef, signal: AbortSignal): Promise<DownloadedFile | null> {
    const res = await this.cdnFetch(ref.url, signal);
    if (res.status === 404 || res.status === 403) return null; // not rendered yet
    if (!res.ok) throw new ProviderException('PROVIDER_ERROR', `CDN answered ${res.status} for ${ref.url}`);
    const bytes = res.body;
    if (!bytes.length) return null;
    const contentType = (res.headers['content-type'] ?? (ref.kind === 'video' ? 'video/mp4' : 'image/png')).split(
      ';',
    )[0];
    return { bytes, contentType, ...(pngSize(bytes) ?? {}) };
  }

  /** CDN files are fetched from a reused page on the CDN origin (same-origin: no CORS, Cloudflare state kept). */
  private cdnFetch(url: string, signal: AbortSignal): Promise<FetchResult<Buffer>> {
    const target = new URL(url);
    target.searchParams.set('cb', `${Date.now()}_${Math.random().toString(36).slice(2, 8)}`);
    return this.browser.fetch<Buffer>(
      target.origin,
      target.toString(),
      { responseType: 'bytes', timeoutMs: 60_000 },
      signal,
    );
  }

  storageTarget(state: InflightState, ref: ResultRef): { bucket: string; path: string } {
    // The original's layout; the timestamp is the submission's, so a re-delivered download lands on the same path.
    const ts = Date.parse(state.submittedAt ?? state.job.createdAt);
    const folder = state.job.ideaId ?? state.job.jobId;
    return {
      bucket: this.config.bucket,
      path: `product_design/${folder}/generated_${ts}_${ref.index}.${ref.kind === 'video' ? 'mp4' : 'png'}`,
    };
  }

  /** `GET /midjourney/proxy-image`: CDN hosts only, any size, through the browser session. */
  async proxyImage(url: string, signal: AbortSignal): Promise<{ bytes: Buffer; contentType: string }> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new ProviderException('INVALID_PAYLOAD', 'url is not a valid URL');
    }
    const allowed = new Set([new URL(this.cdn).host, ...this.config.cdnHosts]);
    if (!allowed.has(target.host)) {
      throw Object.assign(
        new ProviderException('INVALID_PAYLOAD', `Only the Midjourney CDN may be proxied, not ${target.host}`),
        { forbiddenHost: true },
      );
    }
    // A CDN URL a client built (`https://cdn.midjourney.com/<jobId>/0_0.png`) is served by the configured CDN: the
    // same host in production, the simulator's in sandbox mode.
    if (target.host === SITE_CDN_HOST && new URL(this.cdn).host !== SITE_CDN_HOST) {
      target = new URL(`${target.pathname}${target.search}`, this.cdn);
    }
    const res = await this.browser.fetch<Buffer>(
      target.origin,
      target.toString(),
      { responseType: 'bytes', timeoutMs: 60_000 },
      signal,
    );
    if (res.status === 404) {
      throw Object.assign(new ProviderException('PROVIDER_ERROR', 'Image not found on the CDN'), { notFound: true });
    }
    if (!res.ok) throw new ProviderException('PROVIDER_ERROR', `CDN answered ${res.status}`);
    return { bytes: res.body, contentType: (res.headers['content-type'] ?? 'application/octet-stream').split(';')[0] };
  }
}
