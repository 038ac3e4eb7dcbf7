import {
  BadRequestException,
  HttpException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  type ArgumentsHost,
} from '@nestjs/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES, PROVIDER_ERROR_CODES } from '@app/contracts';
import { GatewayException } from './gateway.exception.js';
import Fastify from 'fastify';
import { answerFrameworkError, HttpExceptionFilter, isCompatRoute, STATUS_OF } from './http-exception.filter.js';

/** Runs the filter against a recording reply, as Fastify would hand it over. */
function run(exception: unknown, url: string, method = 'GET') {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const reply = {
    sent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return this;
    },
    send(body: unknown) {
      sent.body = body;
      return this;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ url, method }) }),
  } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return sent;
}

describe('HttpExceptionFilter', () => {
  beforeAll(() => Logger.overrideLogger(false)); // the 500 case logs on purpose

  it('gives every error code a 4xx or 5xx status', () => {
    for (const code of [...GATEWAY_ERROR_CODES, ...PROVIDER_ERROR_CODES]) {
      expect(STATUS_OF[code], code).toBeGreaterThanOrEqual(400);
    }
  });

  it('answers gateway errors with their status, code, message and details', () => {
    const sent = run(
      new GatewayException('IDEMPOTENCY_CONFLICT', 'used before', { key: 'k' }),
      '/v1/midjourney/imagine',
      'POST',
    );
    expect(sent.status).toBe(409);
    expect(sent.body).toEqual({
      error: { code: 'IDEMPOTENCY_CONFLICT', message: 'used before', details: { key: 'k' } },
    });
    expect(sent.headers['content-type']).toMatch(/application\/json/);
  });

  it('answers SERVICE_UNAVAILABLE (the database not open yet) with 503 on both surfaces', () => {
    const error = () => new GatewayException('SERVICE_UNAVAILABLE', 'The database is not reachable');
    const v1 = run(error(), '/v1/jobs');
    expect(v1.status).toBe(503);
    expect(v1.body).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is not reachable' } });
    const compat = run(error(), '/midjourney/genimage', 'POST');
    expect(compat.status).toBe(503);
    expect(compat.body).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' });
  });

  it('keeps the original error shape on the original routes', () => {
    const sent = run(new GatewayException('INVALID_REQUEST', 'prompt is required'), '/midjourney/genimage', 'POST');
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ success: false, error: 'prompt is required', code: 'INVALID_REQUEST' });
    expect(Date.parse((sent.body as { timestamp: string }).timestamp)).not.toBeNaN();
  });

  it('gives the original routes’ job id and retry count at the top level, as the originals did', () => {
    const notFound = run(new GatewayException('NOT_FOUND', 'Job not found', { jobId: 'ideogram-1-a' }), '/api/job/x');
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({ success: false, error: 'Job not found', jobId: 'ideogram-1-a' });
    const submit = run(
      new GatewayException('SIGNED_OUT', 'signed out', { jobId: 'j', retryCount: 0 }),
      '/midjourney/genimage',
      'POST',
    );
    expect(submit.body).toMatchObject({ jobId: 'j', retryCount: 0, details: { jobId: 'j', retryCount: 0 } });
    // /v1 keeps them in details only; field problems (an array) lift nothing.
    expect(run(new GatewayException('NOT_FOUND', 'x', { jobId: 'j' }), '/v1/jobs/j').body).toEqual({
      error: { code: 'NOT_FOUND', message: 'x', details: { jobId: 'j' } },
    });
    const invalid = run(new GatewayException('INVALID_REQUEST', 'x', [{ field: 'a', problems: [] }]), '/api/remix');
    expect(invalid.body).not.toHaveProperty('jobId');
  });

  it('names the missing route in 404s', () => {
    const sent = run(new NotFoundException(), '/v1/nope?x=1', 'DELETE');
    expect(sent.status).toBe(404);
    expect(sent.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No route DELETE /v1/nope' } });
  });

  it('maps Fastify body errors to 4xx codes', () => {
    expect(run(Object.assign(new Error('Request body is too large'), { statusCode: 413 }), '/v1/x').body).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
    });
    expect(run(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), '/v1/x').status).toBe(415);
    expect(run(new BadRequestException('bad'), '/v1/x').body).toEqual({
      error: { code: 'INVALID_REQUEST', message: 'bad' },
    });
    expect(run(new HttpException('teapot', 418), '/v1/x')).toMatchObject({
      status: 418,
      body: { error: { code: 'INVALID_REQUEST' } },
    });
  });

  it('hides unknown errors behind an id', () => {
    const sent = run(new Error('password=hunter2 leaked in a stack'), '/v1/jobs');
    expect(sent.status).toBe(500);
    const body = sent.body as { error: { code: string; message: string; errorId: string } };
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('passes the readiness probe’s 503 body through', () => {
    const details = { status: 'error', error: { nats: { status: 'down' } } };
    const sent = run(new ServiceUnavailableException(details), '/health/ready');
    expect(sent.status).toBe(503);
    expect(sent.body).toEqual(details);
  });

  it('answers the URLs Fastify’s router refuses in the route’s own error shape', async () => {
    const app = Fastify({ frameworkErrors: answerFrameworkError });
    app.get('/v1/jobs/:id', () => 'found');
    app.get('/api/job/:id', () => 'found');
    try {
      const bad = await app.inject({ method: 'GET', url: '/v1/jobs/%ED%A0%80' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: { code: 'INVALID_REQUEST', message: 'The URL is not valid' } });
      const long = await app.inject({ method: 'GET', url: `/api/job/${'x'.repeat(200)}` });
      expect(long.statusCode).toBe(414);
      expect(long.json()).toMatchObject({
        success: false,
        code: 'INVALID_REQUEST',
        error: 'A path parameter is too long',
      });
    } finally {
      await app.close();
    }
  });

  it('recognises the original routes', () => {
    expect(isCompatRoute('/midjourney/status')).toBe(true);
    expect(isCompatRoute('/health')).toBe(true);
    expect(isCompatRoute('/')).toBe(true);
    expect(isCompatRoute('/console/')).toBe(false);
    expect(isCompatRoute('/health/ready')).toBe(false);
    expect(isCompatRoute('/v1/midjourney/imagine')).toBe(false);
    expect(isCompatRoute('/health?x=1')).toBe(true);
    expect(isCompatRoute('/api/job/ideogram-1')).toBe(true);
    expect(isCompatRoute('/gptgen')).toBe(true);
    expect(isCompatRoute('/recent-images')).toBe(true);
    expect(isCompatRoute('/conversation-prompt?x')).toBe(true);
    expect(isCompatRoute('/v1/chatgpt/recent-images')).toBe(false);
    expect(isCompatRoute('/gptgen-other')).toBe(false);
  });
});
