import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamView } from '../jetstream-view.js';
import { TestSystem, waitFor } from '../system.js';

// A job that waits in the queue past its deadline — the account's only slot is held by a job that never finishes —
// is ended QUEUE_TIMEOUT by the provider's worker at the deadline, with the gateway down: its end is dated by the
// worker's event, not by the gateway coming back. The gateway's own sweeper is held off (a long grace) so only the
// worker side can end it.
describe('Queue deadlines, from the worker side', () => {
  const system = new TestSystem({
    simSpeed: 0.05,
    workers: ['ideogram'],
    gatewayEnv: { GATEWAY_DEADLINE_GRACE_MS: '600000' },
  });
  let jetstream: JetStreamView;

  beforeAll(async () => {
    await system.start();
    jetstream = await JetStreamView.open(system.nats.url);
  });
  afterAll(async () => {
    await jetstream?.close();
    await system.stop();
  });

  it('ends a queued job at its deadline while the gateway is down, never submitted', async () => {
    const before = (await system.admin('GET', '/__admin/stats')).ideogram.submits;
    const holder = await system.api('POST', '/v1/ideogram/generate', {
      prompt: 'forever [[stuck]]',
      timeout_seconds: 300,
    });
    await system.waitForJob(holder.body.id, (j) => j.status === 'processing', 60_000);
    const queued = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a queued fox', timeout_seconds: 30 });
    expect(queued.status).toBe(202);
    const id = queued.body.id as string;
    await system.stopGateway();

    const event = await waitFor(
      'the worker to end the queued job',
      async () => {
        const last = await jetstream.lastEvent('ideogram', id);
        return last && last.status !== 'processing' ? last : undefined;
      },
      60_000,
    );
    expect(event.status).toBe('timeout');
    expect(event.error?.code).toBe('QUEUE_TIMEOUT');

    await system.startGateway();
    const job = await system.waitForJob(id, (j) => j.status === 'timeout', 30_000);
    expect(job.error.code).toBe('QUEUE_TIMEOUT');
    const late = Date.parse(job.completed_at) - Date.parse(job.deadline_at);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(4000);
    expect((await system.admin('GET', '/__admin/stats')).ideogram.submits - before).toBe(1); // the holder only
  });
});
