import { Controller, Get, Logger, Param } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Logger as PinoLogger } from 'nestjs-pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withLogFields } from './log-fields.js';
import { LoggingModule } from './logging.module.js';
import { requestIdOptions } from './pino-options.js';

const API_KEY = 'gw_secret_api_key_value_0123456789';
const COOKIE = 'session=cookie-secret-value-42';
const BEARER = 'Bearer bearer-secret-value-77';
const SIGNATURE = 'a'.repeat(64);
const TOKEN = 'query-token-secret-99';

@Controller()
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get('files/:bucket/:name')
  file(@Param('name') name: string) {
    this.logger.log(`serving ${name}`);
    return withLogFields({ jobId: 'job-1', provider: 'midjourney', account: 'default' }, () => {
      this.logger.warn({ token: TOKEN, detail: 'inside a job' }, 'job step');
      return { ok: true };
    });
  }

  @Get('health/live')
  live() {
    return { ok: true };
  }
}

// The module as the apps use it, on Fastify, its lines captured instead of written to stdout.
const lines: string[] = [];
let app: NestFastifyApplication;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      LoggingModule.forRoot({
        service: 'test',
        level: 'log',
        quietPaths: ['/health'],
        destination: { write: (line: string) => void lines.push(line) },
      }),
    ],
    controllers: [ProbeController],
  }).compile();
  app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(requestIdOptions), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  lines.length = 0;
});

const secretRequest = (headers: Record<string, string> = {}) =>
  app.inject({
    method: 'GET',
    url: `/files/product-designs/a.png?sig=${SIGNATURE}&token=${TOKEN}&size=2`,
    headers: {
      'x-api-key': API_KEY,
      cookie: COOKIE,
      authorization: BEARER,
      'mj-api-secret': 'mj-secret-5',
      ...headers,
    },
  });

describe(LoggingModule.name, () => {
  it('logs a request with its id and none of its key, cookie, token or signature', async () => {
    const res = await secretRequest({ 'x-request-id': 'client-req-123' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('client-req-123');
    const output = lines.join('');
    for (const secret of [
      API_KEY,
      COOKIE,
      'cookie-secret-value-42',
      'bearer-secret-value-77',
      SIGNATURE,
      TOKEN,
      'mj-secret-5',
    ]) {
      expect(output).not.toContain(secret);
    }
    const records = lines.map((line) => JSON.parse(line) as Record<string, any>);
    const completed = records.find((r) => r.msg === 'request completed');
    expect(completed).toMatchObject({
      service: 'test',
      req: {
        id: 'client-req-123',
        method: 'GET',
        url: expect.stringContaining('sig=[redacted]&token=[redacted]&size=2'),
      },
      res: { statusCode: 200 },
    });
    // Lines written while handling the request carry its id too; those inside a job carry the job's fields.
    expect(records.find((r) => r.msg === 'serving a.png')).toMatchObject({
      req: { id: 'client-req-123' },
      context: 'Probe',
    });
    expect(records.find((r) => r.msg === 'job step')).toMatchObject({
      jobId: 'job-1',
      provider: 'midjourney',
      account: 'default',
      token: '[redacted]',
      detail: 'inside a job',
    });
  });

  it('replaces an insane X-Request-Id by a new one and echoes it', async () => {
    const res = await secretRequest({ 'x-request-id': 'bad id\twith spaces' });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.join('')).toContain(`"id":"${String(id)}"`);
    expect(lines.join('')).not.toContain('bad id');
  });

  it('does not log probes', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect(lines.join('')).not.toContain('/health/live');
  });
});
