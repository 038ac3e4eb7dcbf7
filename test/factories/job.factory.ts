import { randomUUID } from 'node:crypto';
import type { Job } from '@app/contracts';

/** A valid job with a fresh id; override what the test is about. */
export function makeJob(over: Partial<Job> = {}): Job {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    provider: 'midjourney',
    operation: 'imagine',
    status: 'pending',
    progress: 0,
    input: { prompt: 'a fox', options: {} },
    result: null,
    error: null,
    ideaId: null,
    apiKeyId: null,
    idempotencyKey: null,
    webhookUrl: null,
    deadlineAt: new Date(Date.now() + 900_000).toISOString(),
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    completedAt: null,
    ...over,
  };
}
