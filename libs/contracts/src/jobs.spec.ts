import { describe, expect, it } from 'vitest';
import { ProviderException } from './errors.js';
import { canTransition, isTerminal, JOB_STATUSES, type JobStatus } from './jobs.js';

describe('job status transitions', () => {
  const terminal: JobStatus[] = ['completed', 'failed', 'timeout', 'canceled'];

  it('knows which statuses are final', () => {
    expect(JOB_STATUSES.filter(isTerminal)).toEqual(terminal);
  });

  it('moves forward or stays, never backwards', () => {
    expect(canTransition('pending', 'processing')).toBe(true);
    expect(canTransition('processing', 'processing')).toBe(true); // progress updates
    expect(canTransition('pending', 'completed')).toBe(true);
    expect(canTransition('processing', 'pending')).toBe(false);
  });

  it('never leaves a final status, whatever arrives late', () => {
    for (const from of terminal) {
      for (const to of JOB_STATUSES) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
    }
  });
});

describe('ProviderException', () => {
  it('is retriable only when waiting can help', () => {
    expect(new ProviderException('RATE_LIMITED', 'x').retriable).toBe(true);
    expect(new ProviderException('PROVIDER_TIMEOUT', 'x').retriable).toBe(true);
    expect(new ProviderException('CONTENT_REJECTED', 'x').retriable).toBe(false);
    expect(new ProviderException('SIGNED_OUT', 'x').retriable).toBe(false);
  });

  it('serialises to the error body with details only when present', () => {
    expect(new ProviderException('CHALLENGE', 'solve it').toJSON()).toEqual({ code: 'CHALLENGE', message: 'solve it' });
    expect(JSON.parse(JSON.stringify(new ProviderException('RATE_LIMITED', 'wait', { retryAfterMs: 5 })))).toEqual({
      code: 'RATE_LIMITED',
      message: 'wait',
      details: { retryAfterMs: 5 },
    });
  });
});
