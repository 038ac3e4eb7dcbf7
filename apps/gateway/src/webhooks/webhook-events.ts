import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional } from 'class-validator';
import { isTerminal, type Job } from '@app/contracts';

/** The changes a job's webhook can hear (Replicate's `webhook_events_filter`). */
export const WEBHOOK_EVENTS = ['start', 'progress', 'completed'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventName[] = ['completed'];
/** At most one progress delivery per job and hook in this long (across replicas: the gate is in the job's row). */
export const PROGRESS_THROTTLE_S = 2;

/** One delivery a job change asks for: `key` is unique per job (a redelivered event records nothing new). */
export interface WebhookDelivery {
  key: string;
  event: string;
  /** Recorded only when the job's last progress delivery is at least PROGRESS_THROTTLE_S old. */
  throttled: boolean;
}

/** The `webhook_events` field of every /v1 route that takes a webhook_url; an unknown value is 400 INVALID_REQUEST. */
export function WebhookEventsField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      enum: WEBHOOK_EVENTS,
      example: ['start', 'completed'],
      description:
        'Which changes call webhook_url (default ["completed"]): `start` once when the job starts processing, ' +
        '`progress` when its progress changes (at most one every 2 s), `completed` when it ends (any final status).',
    }),
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(WEBHOOK_EVENTS.length),
    ArrayUnique(),
    IsIn(WEBHOOK_EVENTS, { each: true, message: `webhook_events entries must be one of ${WEBHOOK_EVENTS.join(', ')}` }),
  );
}

/** The deliveries a job's current state asks of its webhook, under its event filter. */
export function webhookDeliveries(job: Job): WebhookDelivery[] {
  const wanted = new Set<string>(job.webhookEvents?.length ? job.webhookEvents : DEFAULT_WEBHOOK_EVENTS);
  if (isTerminal(job.status)) {
    return wanted.has('completed') ? [{ key: `job.${job.status}`, event: `job.${job.status}`, throttled: false }] : [];
  }
  if (job.status !== 'processing') return [];
  const out: WebhookDelivery[] = [];
  if (wanted.has('start')) out.push({ key: 'job.started', event: 'job.started', throttled: false });
  if (wanted.has('progress')) {
    out.push({ key: `job.progress.${job.progress}`, event: 'job.progress', throttled: true });
  }
  return out;
}
