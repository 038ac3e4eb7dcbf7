import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { ErrorBody, ErrorCode } from '@app/contracts';
import { GatewayException, type HttpErrorCode } from './gateway.exception.js';

/** The HTTP error body; its code may also be one of the gateway's own. */
export type HttpErrorBody = Omit<ErrorBody, 'code'> & { code: HttpErrorCode };

/** Every code has a status; a new code without one fails to compile. */
export const STATUS_OF: Record<HttpErrorCode, number> = {
  INVALID_REQUEST: 400,
  INVALID_PAYLOAD: 400,
  INVALID_PARAMETER: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN_SCOPE: 403,
  FORBIDDEN_HOST: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_CONFLICT: 409,
  JOB_FINISHED: 409,
  CSRF_REJECTED: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CONTENT_REJECTED: 422,
  UPLOAD_FAILED: 422,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  QUEUE_FULL: 429,
  QUEUE_TIMEOUT: 504,
  INTERNAL: 500,
  PROVIDER_ERROR: 502,
  STORAGE_ERROR: 502,
  SIGNED_OUT: 503,
  CHALLENGE: 503,
  WORKER_UNAVAILABLE: 503,
  SUBMISSION_UNKNOWN: 503,
  CANCELED: 409,
  QUOTA_EXHAUSTED: 429,
  NETWORK_ERROR: 502,
  GPT_NOT_FOUND: 404,
  ACCOUNT_UNAVAILABLE: 503,
  PARENT_NOT_READY: 409,
  ACTION_NOT_ALLOWED: 422,
  NOT_SUPPORTED: 422,
  PROVIDER_TIMEOUT: 504,
  SERVICE_UNAVAILABLE: 503, // the database (or another dependency) is not reachable yet: try again
};

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN_SCOPE',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'INVALID_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'INVALID_REQUEST',
};

const LIST_HEADERS = new Set(['ratelimit-policy', 'ratelimit']);

const COMPAT_PREFIXES = ['/midjourney/', '/api/'];
const COMPAT_PATHS = new Set(['/', '/midjourney', '/health', '/gptgen', '/recent-images', '/conversation-prompt']);

/**
 * The original services' routes (Midjourney, Ideogram `/api/*`, ChatGPT) keep their error shape: clients test
 * `success` and read `error` as a string (`{success:false, error, timestamp}`), now with a stable code.
 */
export function isCompatRoute(url: string): boolean {
  const path = url.split('?')[0];
  return COMPAT_PATHS.has(path) || COMPAT_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** The midjourney-proxy routes (`/mj/*`). */
export function isMjProxyRoute(url: string): boolean {
  return url.split('?')[0].startsWith('/mj/');
}

/**
 * Fields the original services gave at the top level of an error: the job (Ideogram's `{error:'Job not found',
 * jobId}`) and Midjourney's submit `retryCount`.
 */
function originalFieldsOf(details: unknown): { jobId?: string; retryCount?: number } {
  const d = (details ?? {}) as { jobId?: unknown; retryCount?: unknown };
  return {
    ...(typeof d.jobId === 'string' ? { jobId: d.jobId } : {}),
    ...(typeof d.retryCount === 'number' ? { retryCount: d.retryCount } : {}),
  };
}

/**
 * The error body as the route's clients expect it: the original shape on the original routes; the proxies'
 * `{code, description, result}` on `/mj/*` (code 4 for what the request got wrong, else the HTTP status).
 */
export function errorPayload(url: string, body: HttpErrorBody, status = 400) {
  if (isMjProxyRoute(url)) {
    return {
      code: status === 400 || status === 422 ? 4 : status,
      description: body.message,
      result: null,
      properties: { error_code: body.code, ...(body.errorId ? { errorId: body.errorId } : {}) },
    };
  }
  return isCompatRoute(url)
    ? {
        success: false,
        error: body.message,
        code: body.code,
        ...originalFieldsOf(body.details),
        ...(body.details ? { details: body.details } : {}),
        ...(body.errorId ? { errorId: body.errorId } : {}),
        timestamp: new Date().toISOString(),
      }
    : { error: body };
}

/**
 * Fastify's router refuses some URLs before any route (and so before Nest's filter) sees them: a path that is not
 * valid percent-encoded UTF-8, a path parameter past `maxParamLength`. Pass as the `frameworkErrors` option.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is not valid';
  void reply
    .status(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorPayload(request.url ?? '', { code: 'INVALID_REQUEST', message }, status));
}

/**
 * One body for every error: `{error: {code, message, details?, errorId?}}` — Nest's own 404s, Fastify's body
 * errors included. Unknown errors are logged once with an id; the client gets only the id.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    if (reply.sent) return;
    const url = request?.url ?? '';
    // Probes keep Terminus's own body (which dependency is down) with its 503.
    if (exception instanceof HttpException && exception.getStatus() === 503 && url.startsWith('/health/')) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const { status, body } = this.describe(exception, request);
    if (exception instanceof GatewayException && exception.headers) {
      for (const [name, value] of Object.entries(exception.headers)) {
        // RateLimit-Policy and RateLimit are lists: a quota's entry joins the per-minute one already set.
        const earlier = LIST_HEADERS.has(name) ? reply.getHeader(name) : undefined;
        void reply.header(name, earlier ? `${String(earlier)}, ${value}` : value);
      }
    }
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(errorPayload(url, body, status));
  }

  describe(exception: unknown, request?: FastifyRequest): { status: number; body: HttpErrorBody } {
    if (exception instanceof GatewayException) {
      return {
        status: exception.status ?? STATUS_OF[exception.code],
        body: {
          code: exception.code,
          message: exception.message,
          ...(exception.details ? { details: exception.details } : {}),
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_OF_STATUS[status];
      if (code) {
        const message =
          status === 404
            ? `No route ${request?.method ?? ''} ${request?.url?.split('?')[0] ?? ''}`.trim()
            : exception.message;
        return { status, body: { code, message } };
      }
      if (status >= 400 && status < 500) {
        return { status, body: { code: 'INVALID_REQUEST', message: exception.message } };
      }
    }
    // Fastify's own errors (bad JSON, body too large, unsupported media type) carry a 4xx statusCode.
    const fastify = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
      const code = CODE_OF_STATUS[fastify.statusCode] ?? 'INVALID_REQUEST';
      return { status: fastify.statusCode, body: { code, message: fastify.message ?? 'Invalid request' } };
    }
    const errorId = randomUUID();
    this.logger.error(
      `[${errorId}] ${request?.method} ${request?.url}: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    return { status: 500, body: { code: 'INTERNAL', message: 'Internal error', errorId } };
  }
}
