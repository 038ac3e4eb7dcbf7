import { describe, expect, it } from 'vitest';
import { ProviderException, type ProviderControl, type ProviderErrorCode } from '@app/contracts';
import { decide, type SubmitContext } from './submit-policy.js';

const context = (over: Partial<SubmitContext> = {}): SubmitContext => ({
  attempt: 1,
  maxAttempts: 6,
  deadlineLeftMs: 600_000,
  pacingWaitMs: 0,
  queueWaitMs: 5_000,
  marginMs: 5_000,
  ...over,
});
const error = (code: ProviderErrorCode, control: ProviderControl = {}) =>
  new ProviderException(code, 'x', undefined, control);

describe(decide.name, () => {
  it('reconciles whatever the code when the provider may have accepted the job', () => {
    for (const code of ['PROVIDER_TIMEOUT', 'PROVIDER_ERROR', 'NETWORK_ERROR', 'CONTENT_REJECTED'] as const) {
      expect(decide(error(code, { outcomeUnknown: true }), context({ attempt: 99 }))).toEqual({ action: 'reconcile' });
    }
  });

  it('lets a job wait in the queue for the longer of the provider’s hint and the configured wait', () => {
    expect(decide(error('QUEUE_FULL', { waitInQueue: true, retryAfterMs: 12_000 }), context())).toEqual({
      action: 'wait-in-queue',
      delayMs: 12_000,
    });
    expect(decide(error('QUEUE_FULL', { waitInQueue: true }), context())).toEqual({
      action: 'wait-in-queue',
      delayMs: 5_000,
    });
  });

  it('does not count waiting in the queue as an attempt', () => {
    expect(decide(error('QUEUE_FULL', { waitInQueue: true }), context({ attempt: 50 })).action).toBe('wait-in-queue');
  });

  it('ends a job that cannot wait any more with a queue timeout, not a failure', () => {
    const full = error('QUEUE_FULL', { waitInQueue: true, retryAfterMs: 10_000 });
    expect(decide(full, context({ deadlineLeftMs: 15_000 }))).toEqual({ action: 'queue-timeout' });
    expect(decide(full, context({ deadlineLeftMs: 15_001 })).action).toBe('wait-in-queue');
  });

  it('retries a retriable refusal with backoff, the account’s pacing or the provider’s hint, whichever is longest', () => {
    expect(decide(error('PROVIDER_ERROR'), context({ attempt: 1 }))).toEqual({ action: 'retry', delayMs: 2000 });
    expect(decide(error('PROVIDER_ERROR'), context({ attempt: 3 }))).toEqual({ action: 'retry', delayMs: 8000 });
    expect(decide(error('RATE_LIMITED'), context({ pacingWaitMs: 30_000 }))).toEqual({
      action: 'retry',
      delayMs: 30_000,
    });
    expect(decide(error('RATE_LIMITED', { retryAfterMs: 45_000 }), context())).toEqual({
      action: 'retry',
      delayMs: 45_000,
    });
  });

  it('fails once the attempts are used up, or when the retry could not finish before the deadline', () => {
    expect(decide(error('PROVIDER_ERROR'), context({ attempt: 6 }))).toEqual({ action: 'fail' });
    expect(decide(error('PROVIDER_ERROR'), context({ deadlineLeftMs: 7_000 }))).toEqual({ action: 'fail' });
    expect(decide(error('PROVIDER_ERROR'), context({ deadlineLeftMs: 7_001 })).action).toBe('retry');
  });

  it('never retries what waiting cannot change', () => {
    for (const code of ['CONTENT_REJECTED', 'SIGNED_OUT', 'CHALLENGE', 'INVALID_PARAMETER', 'UPLOAD_FAILED'] as const) {
      expect(decide(error(code), context())).toEqual({ action: 'fail' });
    }
  });
});
