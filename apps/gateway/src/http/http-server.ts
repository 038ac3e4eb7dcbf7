import type { FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The options of @fastify/cors, which Nest's FastifyAdapter registers for `enableCors`. */
export type CorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

export interface HttpServerSettings {
  bodyLimitBytes: number;
  /** The request line and headers must arrive within this, ms. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this, ms: a body shorter than its Content-Length ends in 408. */
  requestTimeoutMs: number;
  /** Allowed browser origins (CORS_ORIGINS); `*` for any (development); empty: no CORS headers at all. */
  corsOrigins: string[];
}

/**
 * The Fastify server's limits. Node enforces the header and request timeouts on a periodic check: checking every
 * quarter of the header timeout (at most each second) keeps a stalled client's wait close to the limit.
 * Answers are not limited: SSE streams and `Prefer: wait` hold a request open long after it was received.
 */
export function fastifyOptions(settings: HttpServerSettings): FastifyHttpOptions<Server> {
  return {
    bodyLimit: settings.bodyLimitBytes,
    requestTimeout: settings.requestTimeoutMs,
    http: {
      headersTimeout: settings.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(settings.headersTimeoutMs / 4))),
    },
  };
}

/** CORS for browser apps (the original services answered every origin); undefined: CORS stays off. */
export function corsOptions(settings: HttpServerSettings): CorsOptions | undefined {
  if (settings.corsOrigins.length === 0) return undefined;
  return {
    origin: settings.corsOrigins.includes('*') ? '*' : settings.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'idempotency-key', 'prefer', 'last-event-id'],
    exposedHeaders: [
      'location',
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'ratelimit-policy',
    ],
    maxAge: 600,
  };
}
