import { describe, expect, it } from 'vitest';
import { strictMock } from '../../../../test/strict-mock.js';
import type { RateCountersRepository } from './rate-counters.repository.js';
import { SqlThrottlerStorage } from './sql-throttler.storage.js';

describe(SqlThrottlerStorage.name, () => {
  const storage = (hits: number, ttlMs: number) => {
    const counters = strictMock<RateCountersRepository>('RateCountersRepository', {
      hit: () => Promise.resolve({ hits, ttlMs }),
    });
    return { counters, sut: new SqlThrottlerStorage(counters) };
  };

  it('counts one hit per request in the window of the throttler and reports seconds left', async () => {
    const { counters, sut } = storage(3, 41_200);
    expect(await sut.increment('rpm:k1', 60_000, 5, 60_000, 'minute')).toEqual({
      totalHits: 3,
      timeToExpire: 42,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect(counters.hit).toHaveBeenCalledExactlyOnceWith('rpm:k1', 60_000);
  });

  it('blocks past the limit until the fixed window ends', async () => {
    const { sut } = storage(6, 9_001);
    expect(await sut.increment('rpm:k1', 60_000, 5, 60_000, 'minute')).toEqual({
      totalHits: 6,
      timeToExpire: 10,
      isBlocked: true,
      timeToBlockExpire: 10,
    });
  });

  it('is not blocked at exactly the limit', async () => {
    const { sut } = storage(5, 1_000);
    expect((await sut.increment('rpm:k1', 60_000, 5, 60_000, 'minute')).isBlocked).toBe(false);
  });
});
