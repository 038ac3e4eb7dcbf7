import type { ErrorCode } from '@app/contracts';

/** Every code the gateway's HTTP surface answers with (libs/contracts lists them). */
export type HttpErrorCode = ErrorCode;

/**
 * The gateway's one exception: a stable code, a message for humans, optional details, and a status only where a
 * code's usual one does not fit (FORBIDDEN_HOST is 403 on proxy-image, 400 for a webhook_url in a request body).
 */
export class GatewayException extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: unknown,
    readonly status?: number,
    /** Headers the answer carries (429: Retry-After, RateLimit-Policy, RateLimit). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
