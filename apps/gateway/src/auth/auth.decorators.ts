import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ApiKey } from './api-key.js';

export const PUBLIC_ROUTE = 'gateway:public';
export const REQUIRED_SCOPE = 'gateway:scope';

/** No API key needed (probes, docs, signed file URLs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** The key must hold this scope (or `*`). */
export const RequireScope = (scope: string) => SetMetadata(REQUIRED_SCOPE, scope);

export type AuthedRequest = FastifyRequest & { apiKey?: ApiKey };

export const CurrentKey = createParamDecorator((_data: unknown, ctx: ExecutionContext): ApiKey => {
  return ctx.switchToHttp().getRequest<AuthedRequest>().apiKey!;
});

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  // midjourney-proxy clients (new-api's relay) send the key as mj-api-secret, some with a Bearer prefix.
  const secret = request.headers['mj-api-secret'];
  if (typeof secret === 'string' && secret.trim()) return secret.replace(/^Bearer\s+/i, '').trim() || undefined;
  const auth = request.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() || undefined : undefined;
}
