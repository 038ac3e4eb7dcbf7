import { describe, expect, it } from 'vitest';
import { strictMock } from '../../../../test/strict-mock.js';
import { NO_KEY_LIMITS, type ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { LimitsConfig } from './limits.config.js';
import { QuotaTiming, QuotasService } from './quotas.service.js';
import type { RateCountersRepository } from './rate-counters.repository.js';

const KEY: ApiKey = {
  id: 'k1',
  name: 'n8n',
  prefix: 'gw_abc',
  scopes: ['midjourney'],
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  limits: { ...NO_KEY_LIMITS, concurrentJobs: 2 },
};
const NOW = new Date('2026-12-07T18:00:00.000Z');
const config = Object.assign(new LimitsConfig(), { jobsPerDay: 100, concurrentStreams: 3 });

function setup(counters: Partial<RateCountersRepository>) {
  const repo = strictMock<RateCountersRepository>('RateCountersRepository', counters);
  return { repo, sut: new QuotasService(repo, config, new QuotaTiming()) };
}

async function refusal(promise: Promise<unknown>): Promise<GatewayException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayException);
  return error as GatewayException;
}

describe(QuotasService.name, () => {
  it('takes a unit of the UTC day window per provider and one open-job unit, and undoes both', async () => {
    const { repo, sut } = setup({
      take: () => Promise.resolve({ taken: true, ttlMs: 1000 }),
      give: () => Promise.resolve(),
    });
    const undo = await sut.takeJob(KEY, 'midjourney', NOW);
    expect(repo.take.mock.calls).toEqual([
      ['jobs-day:k1:midjourney:2026-12-07', 100, 6 * 3600 * 1000],
      ['open-jobs:k1', 2, expect.any(Number)],
    ]);
    await undo();
    expect(repo.give.mock.calls.map((c) => c[0]).sort()).toEqual(['jobs-day:k1:midjourney:2026-12-07', 'open-jobs:k1']);
  });

  it('refuses a full day with 429 QUOTA_EXCEEDED, Retry-After to midnight and the RateLimit headers', async () => {
    const { sut } = setup({ take: () => Promise.resolve({ taken: false, ttlMs: 3_600_000 }) });
    const error = await refusal(sut.takeJob(KEY, 'ideogram', NOW));
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.headers).toEqual({
      'retry-after': '3600',
      'ratelimit-policy': '"jobs-per-day-ideogram";q=100;w=86400',
      ratelimit: '"jobs-per-day-ideogram";r=0;t=3600',
    });
  });

  it('gives the day unit back when the open-jobs pool is full', async () => {
    const { repo, sut } = setup({
      take: (key: string) => Promise.resolve({ taken: key.startsWith('jobs-day'), ttlMs: 0 }),
      give: () => Promise.resolve(),
    });
    const error = await refusal(sut.takeJob(KEY, 'midjourney', NOW));
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.headers?.['ratelimit-policy']).toBe('"concurrent-jobs";q=2');
    expect(repo.give).toHaveBeenCalledExactlyOnceWith('jobs-day:k1:midjourney:2026-12-07');
  });

  it('counts nothing for an admin key without limits of its own', async () => {
    const { repo, sut } = setup({});
    await sut.takeJob({ ...KEY, scopes: ['*'], limits: NO_KEY_LIMITS }, 'midjourney', NOW);
    const release = await sut.takeStream({ ...KEY, scopes: ['admin', 'midjourney'], limits: NO_KEY_LIMITS });
    release();
    expect(repo.take).not.toHaveBeenCalled();
  });

  it('holds a stream slot as a renewable lease and frees it once', async () => {
    const { repo, sut } = setup({
      take: () => Promise.resolve({ taken: true, ttlMs: 90_000 }),
      give: () => Promise.resolve(),
    });
    const release = await sut.takeStream(KEY);
    expect(repo.take).toHaveBeenCalledExactlyOnceWith('streams:k1', 3, 90_000, true);
    release();
    release();
    expect(repo.give).toHaveBeenCalledOnce();
  });

  it('refuses a stream past the limit', async () => {
    const { sut } = setup({ take: () => Promise.resolve({ taken: false, ttlMs: 50_000 }) });
    const error = await refusal(sut.takeStream(KEY));
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.headers?.['retry-after']).toBe('5');
  });
});
