import { Injectable, Logger } from '@nestjs/common';
import {
  IdeogramDescribePayload,
  IdeogramGeneratePayload,
  IdeogramRemixPayload,
  IdeogramRemoveBackgroundPayload,
  IdeogramUpscalePayload,
  ProviderException,
  parsePayload,
  type IdeogramCallerOperation,
  type IdeogramLayout,
  type JobMessage,
} from '@app/contracts';
import { BrowserSession, type FetchInit, type FetchResult } from '@app/browser';
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
} from '@app/provider-adapter';
import { IdeogramAdapterConfig } from './ideogram-adapter.config.js';
import {
  captionOf,
  classifyTooMany,
  detailOf,
  downloadPath,
  generateBody,
  parseSample,
  quotaQuery,
  quotaVerdict,
  remixBody,
  removedAssetOf,
  requestState,
  responseIdOf,
  storagePath,
  traceHeaders,
  upscaleBody,
  type QuotaStats,
  type SamplingRequest,
} from './ideogram-protocol.js';
import { IdeogramSession } from './ideogram-session.js';

const FALLBACK_CAPTION = 'A beautiful design';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CallOptions {
  /** A submission: a lost answer means "may have been accepted" (reconciled, never repeated blindly). */
  submit?: boolean;
  /** A caller's own Bearer token (quick commands): used as is, never refreshed, never stored. */
  token?: string;
  form?: FetchInit['form'];
  bytes?: boolean;
  timeoutMs?: number;
}

/** What the adapter remembers about a submission (in the in-flight KV, so plain JSON). */
interface IdeogramMeta {
  layout?: IdeogramLayout;
  uploadId?: string;
  /** remove-background: the finished asset, ready at once. */
  assetId?: string;
}

/** Ideogram web, driven through `fetch` inside a signed-in ideogram.ai page (PROVIDERS.md §3). */
@Injectable()
export class IdeogramAdapter extends BrowserProviderAdapter {
  readonly provider = 'ideogram' as const;
  readonly operations = ['remix', 'generate', 'upscale', 'remove-background', 'describe'] as const;
  private readonly logger = new Logger(IdeogramAdapter.name);
  private readonly app: string;

  constructor(
    browser: BrowserSession,
    readonly session: IdeogramSession,
    private readonly config: IdeogramAdapterConfig,
  ) {
    super(browser);
    this.app = new URL(config.appUrl).origin;
  }

  checkAccount(signal: AbortSignal): Promise<AccountCheck> {
    return this.session.check(signal);
  }

  // ------------------------------------------------------------ calls

  /**
   * One `/api` call from the page with the recovery the web app itself does: a 401/403 with a token → refresh it
   * once and retry (a cookie-only session: reload the page once); a challenge → reload once; then classify.
   */
  async call<T>(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    opts: CallOptions = {},
  ): Promise<FetchResult<T>> {
    for (let attempt = 0; ; attempt++) {
      const headers = { ...(await this.session.headers(signal, opts.token, !opts.form)), ...traceHeaders() };
      let res: FetchResult<T>;
      try {
        res = await this.browser.fetch<T>(
          this.app,
          `${this.app}${path}`,
          {
            method,
            headers,
            ...(opts.form ? { form: opts.form } : body === undefined ? {} : { body: JSON.stringify(body) }),
            ...(opts.bytes ? { responseType: 'bytes' as const } : {}),
            timeoutMs: opts.timeoutMs ?? 30_000,
          },
          signal,
        );
      } catch (error) {
        const timeout = error instanceof Error && error.name === 'TimeoutError';
        throw new ProviderException(
          timeout ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR',
          `Ideogram ${path.split('?')[0]}: ${error instanceof Error ? error.message : String(error)}`,
          undefined,
          opts.submit ? { outcomeUnknown: true } : {},
        );
      }
      const html = opts.bytes && /text\/html/.test(res.headers['content-type'] ?? '');
      const text = opts.bytes ? (html ? String(res.body) : '') : res.body;
      const challenge = isChallenge({ status: res.status, body: text });
      const denied = !challenge && (res.status === 401 || res.status === 403);
      if (attempt === 0 && challenge) {
        await this.browser.navigate(this.app, `${this.app}/t/explore`, signal).catch(() => undefined);
        continue;
      }
      if (attempt === 0 && denied && !opts.token) {
        if (this.session.hasToken()) await this.session.refresh(signal);
        else await this.browser.navigate(this.app, `${this.app}/t/explore`, signal).catch(() => undefined);
        continue;
      }
      if (challenge) {
        throw new ProviderException(
          'CHALLENGE',
          'Cloudflare challenge persists after a reload; solve it in a headed browser on this profile',
        );
      }
      if (denied) {
        const detail = opts.bytes ? `HTTP ${res.status}` : (detailOf(res.body) ?? `HTTP ${res.status}`);
        throw opts.token
          ? new ProviderException(
              'SIGNED_OUT',
              `Ideogram refused the caller's token (${detail})`,
              { status: res.status },
              { callerToken: true },
            )
          : new ProviderException('SIGNED_OUT', `Ideogram session expired or revoked (${detail}); re-import cookies`);
      }
      if (res.status === 429) {
        throw classifyTooMany(opts.bytes ? '' : res.body, res.headers['retry-after'], this.config.inflightWaitMs);
      }
      if (res.status >= 500) {
        throw new ProviderException('PROVIDER_ERROR', `Ideogram ${path.split('?')[0]} answered ${res.status}`, {
          status: res.status,
        });
      }
      return res;
    }
  }

  // ------------------------------------------------------------ jobs

  async submit(job: JobMessage, signal: AbortSignal): Promise<Submission> {
    switch (job.operation) {
      case 'remix':
        return this.submitRemix(parsePayload(IdeogramRemixPayload, job.input), signal);
      case 'generate':
        return this.submitGenerate(parsePayload(IdeogramGeneratePayload, job.input), signal);
      case 'upscale':
        return this.submitUpscale(parsePayload(IdeogramUpscalePayload, job.input), signal);
      case 'remove-background':
        return this.submitRemoveBackground(parsePayload(IdeogramRemoveBackgroundPayload, job.input), signal);
      case 'describe':
        return this.submitDescribe(parsePayload(IdeogramDescribePayload, job.input), signal);
      default:
        throw new ProviderException('INVALID_PAYLOAD', `Unknown Ideogram operation ${job.operation}`);
    }
  }

  private expectedMs(kind: 'generate' | 'upscale'): number {
    const base = this.config.expectedRenderMs || 60_000;
    return kind === 'upscale' ? Math.round(base * 0.75) : base;
  }

  private async submitRemix(input: IdeogramRemixPayload, signal: AbortSignal): Promise<Submission> {
    const { userId } = await this.session.identity(signal);
    // Quota first: a job that must wait for the in-flight slot should not upload and caption again on every try.
    await this.checkQuota('GENERATE', input.modelVersion, signal);
    const uploadId = input.imageId ?? (await this.uploadFromUrl(input.imageUrl!, signal));
    let prompt = input.prompt.trim();
    let caption: string | null | undefined;
    if (input.promptSource === 'AUTO' || !prompt) {
      if (this.config.describeDelayMs) await sleep(this.config.describeDelayMs);
      caption = await this.describe(uploadId, signal);
      prompt = caption ?? FALLBACK_CAPTION;
    }
    const { requestId, answer } = await this.sample(remixBody(input, userId, uploadId, prompt), signal);
    const meta: IdeogramMeta = { layout: input.layout, uploadId };
    return {
      providerJobId: requestId,
      expectedCount: input.numImages,
      kind: 'image',
      expectedDurationMs: this.expectedMs('generate'),
      submittedPrompt: prompt,
      meta: { ...meta },
      result: {
        requestId,
        uploadId,
        prompt,
        ...(caption !== undefined ? { caption } : {}),
        providerResponse: answer,
      },
    };
  }

  private async submitGenerate(input: IdeogramGeneratePayload, signal: AbortSignal): Promise<Submission> {
    const { userId } = await this.session.identity(signal);
    await this.checkQuota('GENERATE', input.modelVersion, signal);
    const { requestId, answer } = await this.sample(generateBody(input, userId), signal);
    return {
      providerJobId: requestId,
      expectedCount: input.numImages,
      kind: 'image',
      expectedDurationMs: this.expectedMs('generate'),
      submittedPrompt: input.prompt,
      meta: {},
      result: { requestId, prompt: input.prompt, providerResponse: answer },
    };
  }

  private async submitUpscale(input: IdeogramUpscalePayload, signal: AbortSignal): Promise<Submission> {
    const { userId } = await this.session.identity(signal);
    await this.checkQuota('UPSCALE', input.modelVersion, signal);
    const { requestId, answer } = await this.sample(upscaleBody(input, userId), signal);
    return {
      providerJobId: requestId,
      expectedCount: 1,
      kind: 'image',
      expectedDurationMs: this.expectedMs('upscale'),
      meta: {},
      result: {
        requestId,
        parent: { requestId: input.requestId, responseId: input.responseId },
        providerResponse: answer,
      },
    };
  }

  /** Background removal answers with the new image at once (the wait is inside the call). */
  private async submitRemoveBackground(
    input: IdeogramRemoveBackgroundPayload,
    signal: AbortSignal,
  ): Promise<Submission> {
    await this.session.identity(signal);
    const res = await this.removeImageBackground(input, signal);
    const { assetId, requestId } = removedAssetOf(res.body);
    if (!assetId && !requestId) throw new ProviderException('PROVIDER_ERROR', 'Background removal named no image');
    const meta: IdeogramMeta = requestId ? {} : { assetId };
    return {
      providerJobId: requestId ?? assetId!,
      expectedCount: 1,
      kind: 'image',
      expectedDurationMs: requestId ? this.expectedMs('upscale') : 0,
      meta: { ...meta },
      result: { source: { assetType: input.assetType, assetId: input.assetId }, providerResponse: res.body },
    };
  }

  private async removeImageBackground(input: IdeogramRemoveBackgroundPayload, signal: AbortSignal, token?: string) {
    const res = await this.call(
      'POST',
      '/api/images/masks/removeImageBackground',
      { asset_type: input.assetType, asset_id: input.assetId },
      signal,
      { timeoutMs: 120_000, token },
    );
    if (res.status === 404) throw new ProviderException('INVALID_PARAMETER', `Ideogram has no asset ${input.assetId}`);
    if (res.status === 400 || res.status === 422) {
      throw new ProviderException(
        'INVALID_PARAMETER',
        `Ideogram refused the request: ${detailOf(res.body) ?? res.status}`,
      );
    }
    if (!res.ok) {
      throw new ProviderException('PROVIDER_ERROR', `Background removal answered ${res.status}: ${detailOf(res.body)}`);
    }
    return res;
  }

  /** A caption is the whole result: no request to poll, no file to store. */
  private async submitDescribe(input: IdeogramDescribePayload, signal: AbortSignal): Promise<Submission> {
    await this.session.identity(signal);
    const uploadId = input.uploadId ?? (await this.uploadFromUrl(input.imageUrl!, signal));
    const caption = await this.describe(uploadId, signal);
    return {
      providerJobId: uploadId,
      expectedCount: 0,
      kind: 'image',
      expectedDurationMs: 0,
      meta: { uploadId },
      result: { uploadId, caption },
    };
  }

  private async sample(body: Record<string, unknown>, signal: AbortSignal, token?: string) {
    const res = await this.call('POST', '/api/images/sample', body, signal, { submit: true, timeoutMs: 60_000, token });
    return parseSample(res.status, res.body);
  }

  // ------------------------------------------------------------ submissions on a caller's own token

  /**
   * One submit-only operation on the caller's own account (their Bearer token), as the original's upscale,
   * removebackground and genimageprompt did: the site's answer, nothing polled or stored. The sample body needs the
   * token's user id, which `/api/account/login` names.
   */
  async submitAsCaller(operation: IdeogramCallerOperation, input: unknown, token: string, signal: AbortSignal) {
    if (operation === 'remove-background') {
      const payload = parsePayload(IdeogramRemoveBackgroundPayload, input);
      const res = await this.removeImageBackground(payload, signal, token);
      return res.body;
    }
    // Validated before any call: a bad payload never reaches the caller's account.
    const upscale = operation === 'upscale' ? parsePayload(IdeogramUpscalePayload, input) : undefined;
    const generate = upscale ? undefined : parsePayload(IdeogramGeneratePayload, input);
    const userId = await this.callerUserId(token, signal);
    const body = upscale ? upscaleBody(upscale, userId) : generateBody(generate!, userId);
    return (await this.sample(body, signal, token)).answer;
  }

  private async callerUserId(token: string, signal: AbortSignal): Promise<string> {
    const res = await this.call<{ user_model?: { user_id?: unknown } }>(
      'POST',
      '/api/account/login',
      { external_photo_url: null },
      signal,
      { token },
    );
    const id = res.ok ? res.body?.user_model?.user_id : undefined;
    if (typeof id !== 'string' || !id) {
      throw new ProviderException(
        'PROVIDER_ERROR',
        `Ideogram /api/account/login answered ${res.status} without a user`,
      );
    }
    return id;
  }

  /** Checks `user_task_quota_stats` before a submission (PROVIDERS.md §6.1); an unreadable answer does not block. */
  private async checkQuota(action: 'GENERATE' | 'UPSCALE', modelVersion: string, signal: AbortSignal) {
    const res = await this.call<QuotaStats>(
      'GET',
      `/api/account/user_task_quota_stats?${quotaQuery(action, modelVersion)}`,
      undefined,
      signal,
    );
    if (!res.ok || !res.body || typeof res.body !== 'object') {
      this.logger.warn(`quota check answered ${res.status}; submitting anyway (the sample call enforces limits)`);
      return;
    }
    const verdict = quotaVerdict(res.body, {
      inflightWaitMs: this.config.inflightWaitMs,
      waitMaxMs: this.config.quotaWaitMaxMs,
    });
    if (verdict) throw verdict;
  }

  // ------------------------------------------------------------ uploads and captions (jobs and quick commands)

  /** Fetches a caller's image (SSRF guard, size limit) and uploads it; a failure is UPLOAD_FAILED with the reason. */
  async uploadFromUrl(imageUrl: string, signal: AbortSignal, token?: string): Promise<string> {
    const image = await fetchExternalImage(imageUrl, {
      allowPrivate: this.config.allowPrivateUrls,
      maxBytes: this.config.maxImageBytes,
      signal,
    });
    const ext = /jpe?g/.test(image.contentType) ? 'jpg' : image.contentType.split('/')[1] || 'png';
    let res: FetchResult<{ success?: boolean; id?: string; error_message?: string | null }>;
    try {
      res = await this.call('POST', '/api/uploads/upload', undefined, signal, {
        token,
        timeoutMs: 60_000,
        form: [
          {
            name: 'file',
            filename: `upload_${Date.now()}.${ext}`,
            contentType: image.contentType,
            base64: image.bytes.toString('base64'),
          },
          { name: 'preserve_alpha', value: 'true' },
          { name: 'upload_type', value: 'UPLOAD' },
        ],
      });
    } catch (error) {
      if (error instanceof ProviderException && error.code !== 'PROVIDER_TIMEOUT') throw error;
      throw new ProviderException('UPLOAD_FAILED', `Image upload to Ideogram failed: ${String(error)}`);
    }
    const id = res.body && typeof res.body === 'object' ? res.body.id : undefined;
    if (!res.ok || !id || res.body.success === false) {
      throw new ProviderException(
        'UPLOAD_FAILED',
        `Image upload to Ideogram answered ${res.status}: ${detailOf(res.body) ?? 'no upload id'}`,
        { status: res.status },
      );
    }
    return id;
  }

  /** The caption of an upload, or null when Ideogram has none. */
  async describe(uploadId: string, signal: AbortSignal, token?: string): Promise<string | null> {
    const res = await this.call(
      'POST',
      '/api/describe',
      { image_id: uploadId, captioner_model_version: 'V_3_0' },
      signal,
      { token, timeoutMs: 60_000 },
    );
    if (res.status === 404) {
      throw new ProviderException('INVALID_PARAMETER', `Ideogram knows no upload ${uploadId}`, { status: 404 });
    }
    if (!res.ok) {
      throw new ProviderException('PROVIDER_ERROR', `Describe answered ${res.status}: ${detailOf(res.body)}`, {
        status: res.status,
      });
    }
    return captionOf(res.body);
  }

  // ------------------------------------------------------------ polling and results

  /**
   * After a crash mid-submit: the account's gallery, newest first, for a request of the same kind created after the
   * submission began (and with the same prompt or parent image when those are known). Operations without a request
   * (describe, background removal) are repeatable: null, submit again.
   */
  override async findSubmission(state: InflightState, signal: AbortSignal): Promise<Submission | null> {
    const op = state.job.operation;
    if (op === 'describe' || op === 'remove-background') return null;
    const { userId } = await this.session.identity(signal);
    const res = await this.call<{ results?: SamplingRequest[] }>(
      'GET',
      `/api/g/u?${new URLSearchParams({ user_id: userId, all_privacy: 'true', filters: 'everything' })}`,
      undefined,
      signal,
    );
    if (!res.ok) throw new ProviderException('PROVIDER_ERROR', `Gallery answered ${res.status}`);
    const since = Date.parse(state.submittingAt ?? state.updatedAt) - 5000;
    const input = state.job.input as { prompt?: string; promptSource?: string; imageId?: string; numImages?: number };
    const knownPrompt =
      op === 'generate' || (op === 'remix' && input.promptSource === 'MANUAL') ? input.prompt?.trim() : undefined;
    const matches = (res.body?.results ?? []).filter((r) => {
      if ((r.creation_time_float ?? 0) * 1000 < since) return false;
      if ((r.request_type === 'SUPER_RES') !== (op === 'upscale')) return false;
      if (knownPrompt && r.user_prompt !== undefined && r.user_prompt.trim() !== knownPrompt) return false;
      if (op === 'remix' && input.imageId && r.upload_parent?.image_id && r.upload_parent.image_id !== input.imageId) {
        return false;
      }
      return true;
    });
    if (matches.length === 0) return null;
    if (matches.length > 1) {
      this.logger.warn(`${matches.length} recent requests match ${state.job.jobId}; taking the oldest`);
    }
    const found = matches.sort((a, b) => (a.creation_time_float ?? 0) - (b.creation_time_float ?? 0))[0];
    const layout = (state.job.input as { layout?: IdeogramLayout }).layout;
    return {
      providerJobId: found.request_id,
      expectedCount: op === 'upscale' ? 1 : Number(input.numImages ?? 1),
      kind: 'image',
      expectedDurationMs: this.expectedMs(op === 'upscale' ? 'upscale' : 'generate'),
      meta: op === 'remix' ? { layout: layout ?? 'remix' } : {},
      result: { requestId: found.request_id, recovered: true },
    };
  }

  async poll(state: InflightState, signal: AbortSignal): Promise<PollOutcome> {
    const submission = state.submission!;
    const meta = (submission.meta ?? {}) as IdeogramMeta;
    if (state.job.operation === 'describe') {
      return { state: 'completed', progress: 100, ready: [], expectedCount: 0 };
    }
    if (meta.assetId) {
      return { state: 'completed', progress: 100, ready: [this.ref(0, meta.assetId)] };
    }
    const requestId = submission.providerJobId;
    const res = await this.call<{ sampling_requests?: SamplingRequest[] }>(
      'POST',
      '/api/gallery/retrieve-requests',
      { request_ids: [requestId] },
      signal,
    );
    const entry = res.ok ? res.body?.sampling_requests?.find((r) => r.request_id === requestId) : undefined;
    // A transient miss is retried by the runtime with backoff; only terminal states or the deadline end a job.
    if (!entry) {
      throw new ProviderException('PROVIDER_ERROR', `Ideogram did not list request ${requestId} (${res.status})`);
    }
    const now = requestState(entry);
    switch (now.state) {
      case 'failed':
        return { state: 'failed', ready: [], error: now.error };
      case 'completed':
        return {
          state: 'completed',
          progress: 100,
          ready: now.responses.map((r) => this.ref(r.index, r.id)),
          expectedCount: now.responses.length,
          result: { requestId, responseIds: now.responses.map((r) => r.id) },
        };
      default: {
        // Ideogram sits at 99 % for a while: poll that stretch at a modest pace rather than by the progress estimate.
        const elapsed = Date.now() - Date.parse(state.submittedAt ?? state.updatedAt);
        return {
          state: now.state,
          progress: now.progress,
          ready: [],
          ...(now.progress >= 99 ? { retryAfterMs: Math.min(3000, Math.max(400, Math.round(elapsed * 0.05))) } : {}),
        };
      }
    }
  }

  private ref(index: number, responseId: string): ResultRef {
    return { index, kind: 'image', url: `${this.app}${downloadPath(responseId)}` };
  }

  async download(_state: InflightState, ref: ResultRef, signal: AbortSignal): Promise<DownloadedFile | null> {
    const url = new URL(ref.url);
    const res = await this.call<Buffer>('GET', `${url.pathname}${url.search}`, undefined, signal, {
      bytes: true,
      timeoutMs: 90_000,
    });
    if (res.status === 404) return null; // not rendered yet
    if (!res.ok) throw new ProviderException('PROVIDER_ERROR', `Download answered ${res.status} for ${url.pathname}`);
    if (!res.body.length) return null;
    const contentType = (res.headers['content-type'] ?? 'image/png').split(';')[0];
    return { bytes: res.body, contentType, ...(pngSize(res.body) ?? {}) };
  }

  /** A response's bytes for the download quick command (caller token or the account's session). */
  async downloadResponse(
    responseId: string,
    options: { quality?: string; resolution?: string; token?: string },
    signal: AbortSignal,
  ): Promise<{ bytes: Buffer; contentType: string; status: number }> {
    const res = await this.call<Buffer>(
      'GET',
      downloadPath(responseId, options.quality ?? 'PNG', options.resolution),
      undefined,
      signal,
      { bytes: true, token: options.token, timeoutMs: 90_000 },
    );
    return { bytes: res.body, contentType: (res.headers['content-type'] ?? '').split(';')[0], status: res.status };
  }

  storageTarget(state: InflightState, ref: ResultRef): { bucket: string; path: string } {
    const layout = (state.submission?.meta as IdeogramMeta | undefined)?.layout;
    return { bucket: this.config.bucket, path: storagePath(layout, state.job.jobId, responseIdOf(ref.url)) };
  }
}
