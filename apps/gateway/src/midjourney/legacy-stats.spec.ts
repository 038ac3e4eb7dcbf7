import { describe, expect, it } from 'vitest';
import { GatewayException } from '../errors/gateway.exception.js';
import { LegacyStats } from './legacy-stats.js';

describe(LegacyStats.name, () => {
  it('keeps the original counters, and shows the last error as its code unless the caller has a key', () => {
    const stats = new LegacyStats();
    stats.record(true);
    stats.record(false, new GatewayException('WORKER_UNAVAILABLE', 'nats://10.1.2.3:4222 timed out'));
    expect(stats.snapshot('running')).toMatchObject({
      totalRequests: 2,
      successfulRequests: 1,
      failedRequests: 1,
      successRate: 50,
      lastError: 'WORKER_UNAVAILABLE',
    });
    expect(stats.snapshot('running', true).lastError).toBe('nats://10.1.2.3:4222 timed out');
    stats.record(false, new Error('relation "jobs" does not exist'));
    expect(stats.snapshot('running').lastError).toBe('INTERNAL');
  });
});
