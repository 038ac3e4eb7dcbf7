import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { WebhookEventsField, webhookDeliveries } from './webhook-events.js';

class Body {
  @WebhookEventsField() webhook_events?: string[];
}
const problems = (value: unknown) =>
  validateSync(plainToInstance(Body, { webhook_events: value })).flatMap((e) => Object.values(e.constraints ?? {}));

describe('webhook_events', () => {
  it('takes any non-empty set of start, progress and completed, and nothing else', () => {
    expect(problems(undefined)).toEqual([]);
    expect(problems(['start', 'progress', 'completed'])).toEqual([]);
    expect(problems(['output'])).toEqual(['webhook_events entries must be one of start, progress, completed']);
    expect(problems([])).not.toEqual([]);
    expect(problems(['start', 'start'])).not.toEqual([]);
    expect(problems('completed')).not.toEqual([]);
  });
});

describe(webhookDeliveries.name, () => {
  const job = (over: Parameters<typeof makeJob>[0]) => makeJob({ webhookUrl: 'https://hooks.example/j', ...over });

  it('defaults to completed: every final status, nothing while the job runs', () => {
    for (const status of ['completed', 'failed', 'timeout', 'canceled'] as const) {
      expect(webhookDeliveries(job({ status }))).toEqual([
        { key: `job.${status}`, event: `job.${status}`, throttled: false },
      ]);
    }
    expect(webhookDeliveries(job({ status: 'processing', progress: 50 }))).toEqual([]);
    expect(webhookDeliveries(job({ status: 'pending' }))).toEqual([]);
  });

  it('start once (a unique key), progress through the throttle keyed by the percent, no completed unless asked', () => {
    const running = job({ status: 'processing', progress: 30, webhookEvents: ['start', 'progress'] });
    expect(webhookDeliveries(running)).toEqual([
      { key: 'job.started', event: 'job.started', throttled: false },
      { key: 'job.progress.30', event: 'job.progress', throttled: true },
    ]);
    expect(webhookDeliveries({ ...running, status: 'completed' })).toEqual([]);
    expect(webhookDeliveries(job({ status: 'processing', webhookEvents: ['progress'] }))).toHaveLength(1);
  });
});
