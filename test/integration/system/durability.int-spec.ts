import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// Restarts in the middle of a job: nothing submitted twice, nothing lost.
describe('durability across restarts', () => {
  // Slower renders (≈9 s fast mode) leave time to kill processes while the job is in flight.
  const system = new TestSystem({ simSpeed: 0.3 });

  beforeAll(async () => {
    await system.start();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('resumes a job after the worker is killed with SIGKILL, without a second submission', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a castle on a cliff',
      options: { mode: 'fast' },
    });
    await system.waitForJob(created.body.id, (j) => j.status === 'processing' && !!j.result?.providerJobId, 60_000);
    await system.stopWorker('SIGKILL');
    await system.startWorker();
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 120_000);
    expect(job.result.images).toHaveLength(4);
    const after = await system.admin('GET', '/__admin/stats');
    expect(after.midjourney.submits - before.midjourney.submits).toBe(1);
  });

  it('loses no event when the gateway is killed mid-job', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a forest in fog',
      options: { mode: 'fast' },
    });
    const processing = await system.waitForJob(created.body.id, (j) => j.status === 'processing', 60_000);
    await system.stopGateway('SIGKILL');
    // The job finishes at the provider while the gateway is down; the worker's events wait in JetStream.
    const providerJobId = processing.result?.providerJobId;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const stats = await system.admin('GET', '/__admin/stats');
      const simJob = stats.midjourney.jobs.find(
        (j: any) => j.job_id === providerJobId || j.prompt?.includes('a forest in fog'),
      );
      if (simJob?.state === 'completed') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 2000));
    await system.startGateway();
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 60_000);
    expect(job.result.images).toHaveLength(4);
  });

  it('accepts work while NATS is down and hands it over once NATS is back', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    await system.nats.stop();
    let down = true;
    try {
      const created = await system.api('POST', '/v1/midjourney/imagine', {
        prompt: 'a harbour at night',
        options: { mode: 'fast' },
      });
      // Stored before the answer; the failed publish is retried by the gateway's sweeper, not lost.
      expect(created.status).toBe(202);
      expect((await system.api('GET', `/v1/jobs/${created.body.id}`)).body.status).toBe('pending');
      const ready = await fetch(`${system.gatewayUrl}/health/ready`);
      expect(ready.status).toBe(503); // readiness tells the orchestrator NATS is out
      await system.nats.restart();
      down = false;
      const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 120_000);
      expect(job.result.images).toHaveLength(4);
      const after = await system.admin('GET', '/__admin/stats');
      expect(after.midjourney.submits - before.midjourney.submits).toBe(1);
    } finally {
      if (down) await system.nats.restart().catch(() => undefined);
    }
  });
});
