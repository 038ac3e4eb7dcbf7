import { Controller, Get } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getOptionsToken, getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEYS, wiringApp } from '../../../../test/gateway-wiring.js';
import { strictMock } from '../../../../test/strict-mock.js';
import { Public } from '../auth/auth.decorators.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { KeyThrottlerGuard, MINUTE_THROTTLER, minuteCounterKey } from './key-throttler.guard.js';
import { LimitsConfig } from './limits.config.js';

@Controller('probe')
class ProbeController {
  @Get()
  get() {
    return { ok: true };
  }

  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }
}

// The real guard chain (ApiKeyGuard, then the throttler guard), the real filter, a strict storage double.
const storage = strictMock<ThrottlerStorage>('ThrottlerStorage');
let app: NestFastifyApplication;

beforeAll(async () => {
  app = await wiringApp(
    [ProbeController],
    [
      { provide: getOptionsToken(), useValue: { throttlers: [MINUTE_THROTTLER], setHeaders: false } },
      { provide: getStorageToken(), useValue: storage },
      { provide: LimitsConfig, useValue: Object.assign(new LimitsConfig(), { requestsPerMinute: 5 }) },
      { provide: APP_GUARD, useClass: KeyThrottlerGuard },
    ],
  );
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  storage.increment.mockReset();
});

const get = (url: string, key?: string) => app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });
const record = (totalHits: number, seconds: number) => ({
  totalHits,
  timeToExpire: seconds,
  isBlocked: totalHits > 5,
  timeToBlockExpire: totalHits > 5 ? seconds : 0,
});

describe(KeyThrottlerGuard.name, () => {
  it('counts a key in one window for all routes and answers the IETF RateLimit headers', async () => {
    storage.increment.mockResolvedValue(record(2, 37));
    const res = await get('/probe', KEYS.midjourney);
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"minute";q=5;w=60');
    expect(res.headers.ratelimit).toBe('"minute";r=3;t=37');
    expect(storage.increment).toHaveBeenCalledExactlyOnceWith(
      minuteCounterKey('00000000-0000-4000-8000-000000000002'),
      60_000,
      5,
      60_000,
      'minute',
    );
  });

  it('answers 429 RATE_LIMITED with Retry-After past the limit', async () => {
    storage.increment.mockResolvedValue(record(6, 12));
    const res = await get('/probe', KEYS.midjourney);
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringContaining('5 requests') } });
    expect(res.headers['retry-after']).toBe('12');
    expect(res.headers['ratelimit-policy']).toBe('"minute";q=5;w=60');
    expect(res.headers.ratelimit).toBe('"minute";r=0;t=12');
  });

  it('counts neither open routes nor admin keys without a limit of their own, and refuses a bad key first', async () => {
    expect((await get('/probe/open')).statusCode).toBe(200);
    const admin = await get('/probe', KEYS.all);
    expect(admin.statusCode).toBe(200);
    expect(admin.headers['ratelimit-policy']).toBeUndefined();
    expect((await get('/probe', 'gw_unknown_key_0000000000000000')).statusCode).toBe(401);
    expect(storage.increment).not.toHaveBeenCalled();
  });

  it('lets requests through while the counters are unreachable with the database', async () => {
    storage.increment.mockRejectedValue(new GatewayException('SERVICE_UNAVAILABLE', 'down'));
    expect((await get('/probe', KEYS.midjourney)).statusCode).toBe(200);
  });
});
