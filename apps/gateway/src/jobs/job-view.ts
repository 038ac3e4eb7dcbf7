import type { Job } from '@app/contracts';
import { DEFAULT_WEBHOOK_EVENTS } from '../webhooks/webhook-events.js';

/** The one public job shape (snake_case, as the rest of the HTTP API). */
export function jobView(job: Job) {
  return {
    id: job.id,
    provider: job.provider,
    operation: job.operation,
    status: job.status,
    progress: job.progress,
    input: job.input,
    result: job.result,
    error: job.error,
    idea_id: job.ideaId,
    webhook_url: job.webhookUrl,
    webhook_events: job.webhookUrl ? (job.webhookEvents ?? DEFAULT_WEBHOOK_EVENTS) : null,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    deadline_at: job.deadlineAt,
    links: { self: `/v1/jobs/${job.id}`, cancel: `/v1/jobs/${job.id}/cancel`, events: `/v1/jobs/${job.id}/events` },
  };
}

export type JobView = ReturnType<typeof jobView>;

const serialized = new WeakMap<Job, string>();

/**
 * The view as JSON, serialized once per stored version of the job (cached jobs are replaced, never mutated, on every
 * change): job reads are the gateway's hottest route and clients poll them.
 */
export function jobViewJson(job: Job): string {
  let json = serialized.get(job);
  if (json === undefined) {
    json = JSON.stringify(jobView(job));
    serialized.set(job, json);
  }
  return json;
}
