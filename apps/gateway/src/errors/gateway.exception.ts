import type { ErrorCode } from '@app/contracts';

/** The gateway's one exception: a stable code, a message for humans, optional details. */
export class GatewayException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
