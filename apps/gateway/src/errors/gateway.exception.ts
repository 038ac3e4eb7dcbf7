import type { ErrorCode } from '@app/contracts';

/**
 * Codes only the gateway's HTTP surface answers with, beside the shared ones.
 * TODO(#8): move SERVICE_UNAVAILABLE into GATEWAY_ERROR_CODES in libs/contracts (held by the lead meanwhile).
 */
export type HttpErrorCode = ErrorCode | 'SERVICE_UNAVAILABLE';

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
  ) {
    super(message);
  }
}
