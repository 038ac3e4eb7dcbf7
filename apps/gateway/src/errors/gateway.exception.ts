import type { ErrorCode } from '@app/contracts';

/** Every code the gateway's HTTP surface answers with (libs/contracts lists them). */
export type HttpErrorCode = ErrorCode;

/** The gateway's one exception: a stable code, a message for humans, optional details. */
export class GatewayException extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
