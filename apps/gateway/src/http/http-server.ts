import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The options of @fastify/cors, which Nest's FastifyAdapter registers for `enableCors`. */
export type CorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

export interface HttpServerSettings {
  /** Every route's body limit (JSON requests are small)... */
  bodyLimitBytes: number;
  /** ...but for the routes that take images in the body (IMAGE_BODY_ROUTES). */
  imageBodyLimitBytes: number;
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

/** The routes that accept base64 images in their JSON body: only they get the larger body limit. */
export const IMAGE_BODY_ROUTES: ReadonlySet<string> = new Set([
  'POST /v1/chatgpt/conversations',
  // midjourney-proxy clients send images as base64 (base64Array, base64, image).
  'POST /mj/submit/imagine',
  'POST /mj/submit/blend',
  'POST /mj/submit/describe',
  'POST /mj/submit/video',
]);

/**
 * Gives the image routes their larger body limit, route by route (Fastify checks Content-Length before reading and
 * stops reading past the limit: 413 PAYLOAD_TOO_LARGE). Call before the routes are registered (before `init`).
 */
export function limitBodies(fastify: FastifyInstance, settings: HttpServerSettings): void {
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((method) => IMAGE_BODY_ROUTES.has(`${method} ${route.url}`))) {
      route.bodyLimit = settings.imageBodyLimitBytes;
    }
  });
}

/** CORS for browser apps (the original services answered every origin); undefined: CORS stays off. */
export function corsOptions(settings: HttpServerSettings): CorsOptions | undefined {
  if (settings.corsOrigins.length === 0) return undefined;
  return {
    origin: settings.corsOrigins.includes('*') ? '*' : settings.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'content-type',
      'x-api-key',
      'authorization',
      'idempotency-key',
      'prefer',
      'last-event-id',
      'x-request-id',
    ],
    exposedHeaders: ['location', 'retry-after', 'ratelimit', 'ratelimit-policy', 'x-request-id'],
    maxAge: 600,
  };
}
