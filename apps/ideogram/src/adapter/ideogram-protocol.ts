import { randomBytes } from 'node:crypto';
import {
  ProviderException,
  type IdeogramGeneratePayload,
  type IdeogramLayout,
  type IdeogramRemixPayload,
  type IdeogramUpscalePayload,
} from '@app/contracts';

// The ideogram.ai web protocol as data (PROVIDERS.md §3): request bodies, answer parsing and classification.
// No I/O here, so every rule is unit-tested.

/** `x-request-id` and `traceparent` as the web client sends them (trace id = request id). */
export function traceHeaders(): Record<string, string> {
  const id = randomBytes(16).toString('hex');
  return { 'x-request-id': id, traceparent: `00-${id}-${randomBytes(8).toString('hex')}-00` };
}

export function remixBody(input: IdeogramRemixPayload, userId: string, uploadId: string, prompt: string) {
  return {
    prompt,
    user_id: userId,
    private: true,
    model_version: input.modelVersion,
    use_autoprompt_option: input.magicPrompt,
    sampling_speed: input.samplingSpeed,
    parent: { image_id: uploadId, weight: input.imageWeight, type: input.parentType },
    style_reference_parents: [],
    style_expert: input.style,
    resolution: { width: input.resolution.width, height: input.resolution.height },
    use_random_style_codes: input.useRandomStyleCodes,
    num_images: input.numImages,
  };
}

export function generateBody(input: IdeogramGeneratePayload, userId: string) {
  return {
    prompt: input.prompt,
    user_id: userId,
    private: input.private,
    model_version: input.modelVersion,
    model_uri: `model/${input.modelVersion}/version/0`,
    use_autoprompt_option: input.magicPrompt,
    sampling_speed: input.samplingSpeed,
    style_expert: input.style,
    resolution: { width: input.resolution.width, height: input.resolution.height },
    use_random_style_codes: input.useRandomStyleCodes,
    num_images: input.numImages,
    style_reference_parents: [],
    character_reference_parents: [],
    product_reference_parents: [],
  };
}

export function upscaleBody(input: IdeogramUpscalePayload, userId: string) {
  return {
    ...(input.prompt ? { prompt: input.prompt } : {}),
    user_id: userId,
    private: input.private,
    model_version: input.modelVersion,
    model_uri: `model/${input.modelVersion}/version/0`,
    use_autoprompt_option: input.magicPrompt,
    sampling_speed: input.samplingSpeed,
    parent: { request_id: input.requestId, response_id: input.responseId, weight: input.weight, type: 'SUPER_RES' },
    upscale_factor: input.upscaleFactor,
    ...(input.detailsWeight !== undefined ? { upscale_details_weight: input.detailsWeight } : {}),
    ...(input.resolution ? { resolution: { width: input.resolution.width, height: input.resolution.height } } : {}),
    use_random_style_codes: input.useRandomStyleCodes,
    num_images: 1,
    style_type: 'AUTO',
  };
}

export function quotaQuery(action: 'GENERATE' | 'UPSCALE', modelVersion: string): string {
  const model = modelVersion === 'AUTO' ? 'V_3_1' : modelVersion;
  return new URLSearchParams({
    modelVersion: model,
    samplingSpeed: 'QUALITY',
    requestAction: action,
    userTaskType: 'DEFAULT',
    modelUri: `model/${model}/version/0`,
  }).toString();
}

export interface QuotaStats {
  allowed_to_generate?: boolean;
  inflight_requests?: number;
  max_inflight_requests?: number;
  reject_reason?: string | null;
  exhausted_features?: unknown;
  date_when_slow_credits_refresh?: string | null;
  /** Older quota answers (sampling_available_v2). */
  time_until_next_generation?: number | null;
  message?: string | null;
}

/**
 * What the quota answer means for a submission now: go; wait in the queue (the in-flight slot is taken, or a minimum
 * gap applies); or a clear QUOTA_EXHAUSTED (waiting in the queue when the credits refresh within `waitMaxMs`).
 */
export function quotaVerdict(
  q: QuotaStats,
  options: { inflightWaitMs: number; waitMaxMs: number; now?: number },
): ProviderException | null {
  const now = options.now ?? Date.now();
  const inflight = Number(q.inflight_requests ?? 0);
  const max = Number(q.max_inflight_requests ?? Infinity);
  if (inflight >= max) {
    return new ProviderException('QUEUE_FULL', `Ideogram in-flight limit reached (${inflight} of ${max})`, undefined, {
      waitInQueue: true,
      retryAfterMs: options.inflightWaitMs,
    });
  }
  if (q.allowed_to_generate !== false) return null;
  const gap = Number(q.time_until_next_generation ?? 0);
  if (gap > 0) {
    return new ProviderException('QUEUE_FULL', `Ideogram asks to wait ${gap} s before the next generation`, undefined, {
      waitInQueue: true,
      retryAfterMs: gap * 1000,
    });
  }
  const reason = q.reject_reason ?? q.message ?? 'not allowed to generate';
  const refreshAt = Date.parse(q.date_when_slow_credits_refresh ?? '');
  const refresh = Number.isFinite(refreshAt) ? `; credits refresh at ${new Date(refreshAt).toISOString()}` : '';
  const wait = Number.isFinite(refreshAt) ? refreshAt - now : Infinity;
  return new ProviderException(
    'QUOTA_EXHAUSTED',
    `Ideogram quota exhausted (${reason})${refresh}`,
    undefined,
    wait > 0 && wait <= options.waitMaxMs ? { waitInQueue: true, retryAfterMs: wait } : {},
  );
}

/** The answer of `/api/images/sample`. */
export interface SampleAnswer {
  request_id?: string | null;
  rejected_prompt_id?: string | null;
  status?: string | null;
  [field: string]: unknown;
}

/** Accepted only with a request id; a rejected prompt is CONTENT_REJECTED (never retried). */
export function parseSample(status: number, body: unknown): { requestId: string; answer: SampleAnswer } {
  const answer = (body && typeof body === 'object' ? body : {}) as SampleAnswer;
  if (answer.rejected_prompt_id) {
    throw new ProviderException('CONTENT_REJECTED', 'Ideogram rejected the prompt', {
      rejectedPromptId: answer.rejected_prompt_id,
    });
  }
  if (status === 400 || status === 422) {
    throw new ProviderException('INVALID_PARAMETER', `Ideogram refused the request: ${detailOf(body) ?? status}`);
  }
  if (status >= 400 || typeof answer.request_id !== 'string' || !answer.request_id) {
    throw new ProviderException('PROVIDER_ERROR', `Ideogram accepted nothing (HTTP ${status})`);
  }
  return { requestId: answer.request_id, answer };
}

/** Classifies a 429: in-flight limit (wait in the queue), no credits, or a plain rate limit. */
export function classifyTooMany(
  body: unknown,
  retryAfter: string | undefined,
  inflightWaitMs: number,
): ProviderException {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  if (/in-?flight/i.test(text)) {
    return new ProviderException('QUEUE_FULL', 'Ideogram in-flight limit reached', undefined, {
      waitInQueue: true,
      retryAfterMs: inflightWaitMs,
    });
  }
  if (/credit|quota|OUT_OF/i.test(text)) {
    return new ProviderException('QUOTA_EXHAUSTED', `Ideogram quota exhausted: ${detailOf(body) ?? 'no credits'}`);
  }
  const seconds = Number(retryAfter);
  return new ProviderException('RATE_LIMITED', 'Ideogram answered 429 Too Many Requests', undefined, {
    retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000,
  });
}

export function detailOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 300) || undefined;
  const b = body as { detail?: unknown; error?: unknown; message?: unknown; error_message?: unknown } | null;
  const value = b?.detail ?? b?.error_message ?? b?.message ?? b?.error;
  return typeof value === 'string' ? value : value ? JSON.stringify(value).slice(0, 300) : undefined;
}

/** One `sampling_requests[]` entry of `/api/gallery/retrieve-requests` (PROVIDERS.md §3.4). */
export interface SamplingRequest {
  request_id: string;
  request_type?: string;
  has_started?: boolean;
  completion_percentage?: number;
  is_completed?: boolean;
  is_errored?: boolean;
  error_reason?: string | null;
  error_message?: string | null;
  responses?: Array<{ response_id: string; response_index?: number }>;
  expected_number_of_final_responses?: number;
  user_prompt?: string;
  creation_time_float?: number;
  upload_parent?: { image_id?: string };
}

export type RequestState =
  | { state: 'queued' | 'running'; progress: number }
  | { state: 'completed'; responses: Array<{ id: string; index: number }> }
  | { state: 'failed'; error: ProviderException };

const REJECTION = /safety|flagged|moderat|reject|policy|inappropriate|not allowed/i;

/** Done only at `is_completed` with responses (never at the first response); `is_errored` fails with its reason. */
export function requestState(entry: SamplingRequest): RequestState {
  if (entry.is_errored) {
    const reason = entry.error_reason ?? entry.error_message ?? 'Ideogram marked the request as errored';
    return {
      state: 'failed',
      error: new ProviderException(REJECTION.test(reason) ? 'CONTENT_REJECTED' : 'PROVIDER_ERROR', reason),
    };
  }
  const responses = entry.responses ?? [];
  if (entry.is_completed && responses.length > 0) {
    return {
      state: 'completed',
      responses: responses.map((r, i) => ({ id: r.response_id, index: r.response_index ?? i })),
    };
  }
  if (!entry.has_started) return { state: 'queued', progress: 0 };
  return { state: 'running', progress: Math.max(0, Math.min(99, Number(entry.completion_percentage ?? 0))) };
}

/** The caption in a describe answer (`[{caption}]`; other wrappers tolerated since the shape is unverified). */
export function captionOf(body: unknown): string | null {
  const wrapped = body as { descriptions?: unknown; data?: unknown } | null;
  const list: unknown[] = Array.isArray(body)
    ? body
    : Array.isArray(wrapped?.descriptions)
      ? wrapped.descriptions
      : Array.isArray(wrapped?.data)
        ? wrapped.data
        : [];
  for (const item of list) {
    const entry = item as { caption?: unknown; text?: unknown } | null;
    const text = typeof item === 'string' ? item : (entry?.caption ?? entry?.text);
    if (typeof text === 'string' && text.trim()) return text.trim();
  }
  return null;
}

/** The new image a background removal produced (shape unverified: several field names are accepted). */
export function removedAssetOf(body: unknown): { assetId?: string; requestId?: string } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const pick = (...keys: string[]) => keys.map((k) => b[k]).find((v) => typeof v === 'string' && v) as string;
  const requestId = pick('request_id');
  const assetId = pick('asset_id', 'response_id', 'image_id', 'id');
  return { ...(assetId ? { assetId } : {}), ...(requestId ? { requestId } : {}) };
}

/** Path of a response's download through the web app (PNG by default). */
export function downloadPath(responseId: string, quality = 'PNG', resolution?: string): string {
  const query = resolution ? `resolution=${encodeURIComponent(resolution)}` : `quality=${encodeURIComponent(quality)}`;
  return `/api/download/response/${encodeURIComponent(responseId)}/image?${query}`;
}

export function responseIdOf(url: string): string {
  const match = /\/response\/([^/?]+)\/image/.exec(url);
  if (!match) throw new Error(`not a response download URL: ${url}`);
  return decodeURIComponent(match[1]);
}

/** Object paths of the `product-ideas` bucket (PROVIDERS.md §1.1); other operations get a folder per job. */
export function storagePath(layout: IdeogramLayout | undefined, jobId: string, responseId: string): string {
  switch (layout) {
    case 'variation':
      return `ideogram-remix-${jobId}-${responseId}.png`;
    case 'custom':
      return `ideogram-custom-${jobId}-${responseId}.png`;
    case 'remix':
    case undefined:
      return `${jobId}/${responseId}.png`;
  }
}
