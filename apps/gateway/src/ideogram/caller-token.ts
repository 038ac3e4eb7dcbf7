import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IDEOGRAM_TOKEN_MAX_LENGTH } from '@app/contracts';
import { GatewayException } from '../errors/gateway.exception.js';

/**
 * The caller's own Ideogram Bearer token on the original `/api/*` routes. The gateway key may itself arrive as
 * `Authorization: Bearer`; only when `x-api-key` carries the key is a Bearer the caller's Ideogram token. It is passed
 * to the worker for one call only (the quick routes, and the submit-only upscale, removebackground and genimageprompt,
 * which then run on the caller's account without a job), never stored in a job and never logged.
 */
export function callerIdeogramToken(headers: FastifyRequest['headers']): string | undefined {
  const key = headers['x-api-key'];
  if (typeof key !== 'string' || !key) return undefined;
  const bearer = /^Bearer\s+(\S.*)$/.exec(headers.authorization ?? '')?.[1].trim();
  if (bearer && bearer.length > IDEOGRAM_TOKEN_MAX_LENGTH) {
    throw new GatewayException(
      'INVALID_REQUEST',
      `The Ideogram token is longer than ${IDEOGRAM_TOKEN_MAX_LENGTH} characters`,
    );
  }
  return bearer || undefined;
}

export const CallerIdeogramToken = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  callerIdeogramToken(ctx.switchToHttp().getRequest<FastifyRequest>().headers),
);
