import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateCountersRepository } from './rate-counters.repository.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage in the gateway's database, so every replica counts into the same window: one upsert per
 * request. Fixed windows (the first hit opens one of `ttl` ms); a blocked key stays blocked until its window ends,
 * whatever `blockDuration` says.
 */
@Injectable()
export class SqlThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counters: RateCountersRepository) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration?: number,
    _throttlerName?: string,
  ): Promise<ThrottlerStorageRecord> {
    const { hits, ttlMs } = await this.counters.hit(key, ttl);
    const seconds = Math.ceil(ttlMs / 1000);
    const isBlocked = hits > limit;
    return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }
}
