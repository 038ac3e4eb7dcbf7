import { describe, expect, it } from 'vitest';
import {
  IdeogramGeneratePayload,
  IdeogramRemixPayload,
  IdeogramUpscalePayload,
  ProviderException,
  parsePayload,
} from '@app/contracts';
import {
  captionOf,
  classifyTooMany,
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
} from './ideogram-protocol.js';

const thrown = (fn: () => unknown): ProviderException => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderException);
    return error as ProviderException;
  }
  throw new Error('expected a ProviderException');
};

describe('request bodies', () => {
  it('builds the original remix body (VARIATION parent of the upload)', () => {
    const input = parsePayload(IdeogramRemixPayload, { imageUrl: 'https://x.example/a.png', imageWeight: 55 });
    expect(remixBody(input, 'user-1', 'up-1', 'a caption')).toEqual({
      prompt: 'a caption',
      user_id: 'user-1',
      private: true,
      model_version: 'V_3_0',
      use_autoprompt_option: 'AUTO',
      sampling_speed: -2,
      parent: { image_id: 'up-1', weight: 55, type: 'VARIATION' },
      style_reference_parents: [],
      style_expert: 'AUTO',
      resolution: { width: 800, height: 1280 },
      use_random_style_codes: false,
      num_images: 1,
    });
  });

  it('builds a generate body with the model uri of its version', () => {
    const input = parsePayload(IdeogramGeneratePayload, { prompt: 'a fox', modelVersion: 'V_3_1', numImages: 3 });
    expect(generateBody(input, 'user-1')).toMatchObject({
      prompt: 'a fox',
      model_version: 'V_3_1',
      model_uri: 'model/V_3_1/version/0',
      use_autoprompt_option: 'ON',
      num_images: 3,
      resolution: { width: 1024, height: 1024 },
    });
  });

  it('upscales a generated image through a SUPER_RES parent, with the optional fields only when set', () => {
    const input = parsePayload(IdeogramUpscalePayload, { requestId: 'r1', responseId: 's1' });
    const body = upscaleBody(input, 'user-1');
    expect(body).toMatchObject({
      parent: { request_id: 'r1', response_id: 's1', weight: 100, type: 'SUPER_RES' },
      upscale_factor: 'X4',
      num_images: 1,
      model_uri: 'model/AUTO/version/0',
    });
    expect(body).not.toHaveProperty('prompt');
    expect(body).not.toHaveProperty('upscale_details_weight');
    const detailed = upscaleBody(
      parsePayload(IdeogramUpscalePayload, {
        requestId: 'r1',
        responseId: 's1',
        prompt: 'p',
        detailsWeight: 30,
        resolution: { width: 896, height: 1024 },
      }),
      'u',
    );
    expect(detailed).toMatchObject({
      prompt: 'p',
      upscale_details_weight: 30,
      resolution: { width: 896, height: 1024 },
    });
  });

  it('asks the quota for the model it submits to (AUTO counts as the current model)', () => {
    const query = new URLSearchParams(quotaQuery('UPSCALE', 'AUTO'));
    expect(Object.fromEntries(query)).toEqual({
      modelVersion: 'V_3_1',
      samplingSpeed: 'QUALITY',
      requestAction: 'UPSCALE',
      userTaskType: 'DEFAULT',
      modelUri: 'model/V_3_1/version/0',
    });
  });

  it('sends a request id and a traceparent with the same trace id, as the web client', () => {
    const headers = traceHeaders();
    expect(headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(headers.traceparent).toBe(`00-${headers['x-request-id']}-${headers.traceparent.slice(36, 52)}-00`);
    expect(traceHeaders()['x-request-id']).not.toBe(headers['x-request-id']);
  });
});

describe('quotaVerdict', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const options = { inflightWaitMs: 5000, waitMaxMs: 0, now };

  it('lets a submission go when generating is allowed and a slot is free', () => {
    expect(
      quotaVerdict({ allowed_to_generate: true, inflight_requests: 0, max_inflight_requests: 1 }, options),
    ).toBeNull();
    expect(quotaVerdict({}, options)).toBeNull(); // fields missing: do not block
  });

  it('waits in the queue while the in-flight slot is taken', () => {
    const error = quotaVerdict(
      { allowed_to_generate: false, inflight_requests: 1, max_inflight_requests: 1, reject_reason: 'MAX_INFLIGHT' },
      options,
    )!;
    expect(error.code).toBe('QUEUE_FULL');
    expect(error.control).toEqual({ waitInQueue: true, retryAfterMs: 5000 });
  });

  it('honours the older minimum gap between generations', () => {
    const error = quotaVerdict({ allowed_to_generate: false, time_until_next_generation: 12 }, options)!;
    expect(error.code).toBe('QUEUE_FULL');
    expect(error.control).toEqual({ waitInQueue: true, retryAfterMs: 12_000 });
  });

  it('fails clearly when the quota is exhausted, naming the reason and the refresh time', () => {
    const q = {
      allowed_to_generate: false,
      inflight_requests: 0,
      max_inflight_requests: 1,
      reject_reason: 'OUT_OF_CREDITS',
      date_when_slow_credits_refresh: '2026-03-01T12:10:00Z',
    };
    const error = quotaVerdict(q, options)!;
    expect(error.code).toBe('QUOTA_EXHAUSTED');
    expect(error.message).toBe(
      'Ideogram quota exhausted (OUT_OF_CREDITS); credits refresh at 2026-03-01T12:10:00.000Z',
    );
    expect(error.details).toBeUndefined();
    expect(error.retriable).toBe(false);
    // Waiting is allowed when the refresh is close enough.
    expect(quotaVerdict(q, { ...options, waitMaxMs: 15 * 60_000 })!.control).toEqual({
      waitInQueue: true,
      retryAfterMs: 10 * 60_000,
    });
    expect(quotaVerdict(q, { ...options, waitMaxMs: 5 * 60_000 })!.control).toEqual({});
  });
});

describe('answers', () => {
  it('accepts a sample only with a request id', () => {
    expect(parseSample(200, { request_id: 'r1', rejected_prompt_id: null })).toMatchObject({ requestId: 'r1' });
    expect(thrown(() => parseSample(200, { request_id: null, rejected_prompt_id: 'x' })).code).toBe('CONTENT_REJECTED');
    const invalid = thrown(() => parseSample(400, { detail: 'prompt is required' }));
    expect(invalid.code).toBe('INVALID_PARAMETER');
    expect(invalid.message).toMatch(/prompt is required/);
    expect(thrown(() => parseSample(200, { status: null })).code).toBe('PROVIDER_ERROR');
    expect(thrown(() => parseSample(200, '<html>')).code).toBe('PROVIDER_ERROR');
  });

  it('tells an in-flight 429 from a credit 429 and a plain rate limit', () => {
    const inflight = classifyTooMany({ detail: 'Too many in-flight requests' }, undefined, 3000);
    expect(inflight.code).toBe('QUEUE_FULL');
    expect(inflight.control).toEqual({ waitInQueue: true, retryAfterMs: 3000 });
    expect(classifyTooMany({ reject_reason: 'OUT_OF_CREDITS' }, undefined, 3000).code).toBe('QUOTA_EXHAUSTED');
    const limited = classifyTooMany({ detail: 'Too many requests' }, '7', 3000);
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.control).toEqual({ retryAfterMs: 7000 });
    expect(classifyTooMany('', undefined, 3000).control).toEqual({ retryAfterMs: 30_000 });
  });

  it('completes only at is_completed with responses, never at the first response', () => {
    expect(requestState({ request_id: 'r', has_started: false })).toEqual({ state: 'queued', progress: 0 });
    expect(requestState({ request_id: 'r', has_started: true, completion_percentage: 42 })).toEqual({
      state: 'running',
      progress: 42,
    });
    // A response already listed while not completed does not end the job.
    expect(
      requestState({
        request_id: 'r',
        has_started: true,
        completion_percentage: 99,
        is_completed: false,
        responses: [{ response_id: 'a' }],
      }),
    ).toEqual({ state: 'running', progress: 99 });
    expect(
      requestState({ request_id: 'r', has_started: true, completion_percentage: 100, is_completed: true }),
    ).toEqual({ state: 'running', progress: 99 }); // completed without responses: not yet
    expect(
      requestState({
        request_id: 'r',
        is_completed: true,
        has_started: true,
        responses: [{ response_id: 'a', response_index: 1 }, { response_id: 'b' }],
      }),
    ).toEqual({
      state: 'completed',
      responses: [
        { id: 'a', index: 1 },
        { id: 'b', index: 1 },
      ],
    });
  });

  it('fails an errored request with its reason, as a rejection when it is one', () => {
    const failed = requestState({ request_id: 'r', is_errored: true, error_reason: 'Backend crashed' });
    expect(failed.state).toBe('failed');
    expect(failed.state === 'failed' && failed.error.toJSON()).toEqual({
      code: 'PROVIDER_ERROR',
      message: 'Backend crashed',
    });
    const flagged = requestState({ request_id: 'r', is_errored: true, error_reason: 'Flagged by our safety filter' });
    expect(flagged.state === 'failed' && flagged.error.code).toBe('CONTENT_REJECTED');
    const silent = requestState({ request_id: 'r', is_errored: true });
    expect(silent.state === 'failed' && silent.error.message).toBe('Ideogram marked the request as errored');
  });

  it('reads the caption from the describe answer and its likely wrappers', () => {
    expect(captionOf([{ caption: '  a mug  ' }])).toBe('a mug');
    expect(captionOf({ descriptions: [{ text: 'from text' }] })).toBe('from text');
    expect(captionOf({ data: ['plain'] })).toBe('plain');
    expect(captionOf([{ caption: '' }, { caption: 'second' }])).toBe('second');
    expect(captionOf([])).toBeNull();
    expect(captionOf(null)).toBeNull();
  });

  it('finds the new image of a background removal under several names', () => {
    expect(removedAssetOf({ asset_id: 'a1' })).toEqual({ assetId: 'a1' });
    expect(removedAssetOf({ response_id: 'r1' })).toEqual({ assetId: 'r1' });
    expect(removedAssetOf({ request_id: 'q1' })).toEqual({ requestId: 'q1' });
    expect(removedAssetOf('nothing')).toEqual({});
  });
});

describe('downloads and storage', () => {
  it('downloads a response as PNG, or at a resolution, and reads the id back', () => {
    expect(downloadPath('abc')).toBe('/api/download/response/abc/image?quality=PNG');
    expect(downloadPath('abc', 'PNG', '4K')).toBe('/api/download/response/abc/image?resolution=4K');
    expect(responseIdOf(`https://ideogram.ai${downloadPath('a-b_c')}`)).toBe('a-b_c');
    expect(() => responseIdOf('https://ideogram.ai/other')).toThrow(/not a response/);
  });

  it('names files as the original did per flow, and a folder per job otherwise', () => {
    expect(storagePath('remix', 'job-1', 'resp-1')).toBe('job-1/resp-1.png');
    expect(storagePath('variation', 'job-1', 'resp-1')).toBe('ideogram-remix-job-1-resp-1.png');
    expect(storagePath('custom', 'job-1', 'resp-1')).toBe('ideogram-custom-job-1-resp-1.png');
    expect(storagePath(undefined, 'job-1', 'resp-1')).toBe('job-1/resp-1.png');
  });
});
