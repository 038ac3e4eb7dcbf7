import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

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
  return bearer || undefined;
}

export const CallerIdeogramToken = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  callerIdeogramToken(ctx.switchToHttp().getRequest<FastifyRequest>().headers),
);
