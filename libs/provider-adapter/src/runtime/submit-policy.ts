import type { ProviderException } from '@app/contracts';
import { backoffMs } from './pacing.js';

/** What the runtime knows when a provider refused or failed a submission. */
export interface SubmitContext {
  /** This attempt's number: the message's delivery count, or resubmissions after a reconciliation. */
  attempt: number;
  maxAttempts: number;
  /** Time left before the job's deadline. */
  deadlineLeftMs: number;
  /** The account's own wait before its next submission (gap, 429 cooldown). */
  pacingWaitMs: number;
  /** The least a job waits in the queue when the provider says the account is full. */
  queueWaitMs: number;
  /** A retry is worth it only if this much time is left after its delay. */
  marginMs: number;
}

export type SubmitDecision =
  /** The provider may have accepted the job: look it up in its job list, never submit blindly. */
  | { action: 'reconcile' }
  /** The account is full at the provider: the job waits (not a failure, not an attempt). */
  | { action: 'wait-in-queue'; delayMs: number }
  /** Surely not accepted and worth another try. */
  | { action: 'retry'; delayMs: number }
  /** The account stayed full until too little time was left: the job never got a slot. */
  | { action: 'queue-timeout' }
  | { action: 'fail' };

/**
 * One place that decides what a failed submission leads to, for a fresh message and for a resubmission after a
 * reconciliation alike. Pure: the callers carry the decision out.
 */
export function decide(error: ProviderException, context: SubmitContext): SubmitDecision {
  if (error.control.outcomeUnknown) return { action: 'reconcile' };
  const retryAfter = error.control.retryAfterMs ?? 0;
  if (error.control.waitInQueue) {
    const wait = Math.max(retryAfter, context.queueWaitMs);
    return context.deadlineLeftMs > wait + context.marginMs
      ? { action: 'wait-in-queue', delayMs: wait }
      : { action: 'queue-timeout' };
  }
  const delay = Math.max(backoffMs(context.attempt, 2000), context.pacingWaitMs, retryAfter);
  if (error.retriable && context.attempt < context.maxAttempts && context.deadlineLeftMs > delay + context.marginMs) {
    return { action: 'retry', delayMs: delay };
  }
  return { action: 'fail' };
}
