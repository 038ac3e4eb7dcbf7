/**
 * Stable error codes. Provider codes travel in job events and RPC errors; gateway codes only in HTTP answers.
 * The gateway's filter maps every code to a status through a Record, so adding a code here without a status
 * fails to compile.
 */
export const PROVIDER_ERROR_CODES = [
  'SIGNED_OUT', // 401 after one re-auth attempt, login UI shown: operator must re-import cookies
  'CHALLENGE', // Cloudflare / human verification still present after one reload
  'RATE_LIMITED', // 429 or "too many requests"
  'CONTENT_REJECTED', // moderation, softban, refused prompt: never retried
  'PROVIDER_TIMEOUT', // the provider did not answer or finish in time
  'QUEUE_FULL', // the account's running/queue limit at the provider
  'QUEUE_TIMEOUT', // the deadline passed while the job waited for an account with room: never submitted
  'PROVIDER_ERROR', // 5xx or an unexpected answer after retries
  'INVALID_PARAMETER', // the provider rejected a parameter (failure[] with a parameter reason)
  'UPLOAD_FAILED', // a reference image could not be fetched or uploaded
  'SUBMISSION_UNKNOWN', // a crash left the submission's outcome unknown and the provider cannot tell us
  'STORAGE_ERROR', // results could not be stored
  'INVALID_PAYLOAD', // a message failed contract validation
  'WORKER_UNAVAILABLE', // no worker answered a request/reply call
  'CANCELED', // the client canceled the job
  'QUOTA_EXHAUSTED', // the account's plan allows no more generations until its quota refreshes
  'NETWORK_ERROR', // the provider's page lost its connection mid-answer (after one reload and retry)
  'GPT_NOT_FOUND', // the custom GPT (or conversation) does not exist or is not shared with the account
  'FEATURE_UNAVAILABLE', // the provider says the feature (Gemini's Veo video tool) is not available to the account
  'ACCOUNT_UNAVAILABLE', // a job pinned to an account (a follow-up of its own job) found it signed out or gone by its deadline
] as const;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

export const GATEWAY_ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN_SCOPE',
  'FORBIDDEN_HOST',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'IDEMPOTENCY_CONFLICT',
  'JOB_FINISHED',
  'CSRF_REJECTED', // a cookie-authenticated change without the session's CSRF token, or from another origin
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'QUOTA_EXCEEDED', // a key's daily jobs or concurrent jobs/streams quota is used up (per-minute rate: RATE_LIMITED)
  'PARENT_NOT_READY', // a follow-up names a parent job that has not completed (yet)
  'ACTION_NOT_ALLOWED', // a follow-up the parent job cannot take (upscale of an upscale, pan of a video)
  'NOT_SUPPORTED', // an operation whose provider protocol is not established (Midjourney zoom)
  'SERVICE_UNAVAILABLE', // the database (or NATS, where a route needs it) is unreachable for now: try again
  'INTERNAL',
] as const;
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

export type ErrorCode = ProviderErrorCode | GatewayErrorCode;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
  errorId?: string;
}

/** Provider-side failures are retriable only when waiting can help; rejected prompts and lost sessions are not. */
export const RETRIABLE_PROVIDER_ERRORS: ReadonlySet<ProviderErrorCode> = new Set([
  'RATE_LIMITED',
  'PROVIDER_TIMEOUT',
  'PROVIDER_ERROR',
  'QUEUE_FULL',
]);

/**
 * What a failure tells the worker runtime to do next. It steers retries and reconciliation and never reaches a
 * client: `toJSON` (the job's `error`) leaves it out.
 */
export interface ProviderControl {
  /** The provider may have accepted the submission: reconcile with its job list, never resubmit blindly. */
  outcomeUnknown?: boolean;
  /** The account is full at the provider for now (in-flight limit): the job waits in the queue, not a failure. */
  waitInQueue?: boolean;
  /** How long the provider asks us to wait before the next attempt. */
  retryAfterMs?: number;
  /** The provider refused the request before accepting anything: surely not submitted. */
  rejected?: boolean;
  /** The failure concerns a token the caller supplied, not the account's own session. */
  callerToken?: boolean;
}

/** Thrown by adapters and the worker runtime for expected failures; carried to the gateway as `{code, message}`. */
export class ProviderException extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    /** Facts for the client (a problem list, an HTTP status): part of the job's error. */
    readonly details?: Record<string, unknown>,
    readonly control: ProviderControl = {},
  ) {
    super(message);
    this.name = 'ProviderException';
  }

  /** The same failure with more control flags. */
  with(control: ProviderControl): ProviderException {
    return new ProviderException(this.code, this.message, this.details, { ...this.control, ...control });
  }

  get retriable(): boolean {
    return RETRIABLE_PROVIDER_ERRORS.has(this.code);
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
