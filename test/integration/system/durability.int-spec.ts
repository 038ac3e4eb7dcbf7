import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// Restarts in the middle of a job: nothing submitted twice, nothing lost.
describe('durability across restarts', () => {
  // Slower renders (≈9 s fast mode) leave time to kill processes while the job is in flight. The ack wait is longer
  // than a render, so a message whose worker was killed before acking it comes back after its job ended.
  const ACK_WAIT_MS = 15_000;
  const system = new TestSystem({ simSpeed: 0.3, workerEnv: { MIDJOURNEY_ACK_WAIT_MS: String(ACK_WAIT_MS) } });

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

  /** Waits until the simulator has seen `count` more submit requests than in `before` (the worker is submitting). */
  const submitReached = async (before: any, count = 1) => {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const stats = await system.admin('GET', '/__admin/stats');
      if ((stats.midjourney.requests.submit ?? 0) - (before.midjourney.requests.submit ?? 0) >= count) return stats;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the worker never reached /api/submit-jobs');
  };

  it('finds the job in the feed after the worker is killed while MJ holds the answer of an accepted submit', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    // MJ creates the job at once but answers 20 s later: the worker dies in its 'submitting' phase.
    await system.admin('POST', '/__admin/faults', {
      provider: 'midjourney',
      endpoint: 'submit',
      fault: 'latency',
      stage: 'after',
      latencyMs: 20_000,
      times: 1,
    });
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a mill by the river, killed while submitting',
      options: { mode: 'fast' },
    });
    const reached = await submitReached(before);
    expect(reached.midjourney.submits - before.midjourney.submits).toBe(1);
    await system.stopWorker('SIGKILL');
    await system.startWorker();
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 120_000);
    expect(job.result.images).toHaveLength(4);
    // The killed worker never acked the job's message: JetStream redelivers it once the ack wait has passed, after
    // the job ended; the restarted worker must not run it again.
    const redelivered = Date.parse(job.created_at) + ACK_WAIT_MS + 3000;
    expect(Date.parse(job.completed_at)).toBeLessThan(redelivered - 3000);
    await new Promise((r) => setTimeout(r, Math.max(0, redelivered - Date.now())));
    const after = await system.admin('GET', '/__admin/stats');
    expect(after.midjourney.submits - before.midjourney.submits).toBe(1);
    expect(after.midjourney.requests.submit - (before.midjourney.requests.submit ?? 0)).toBe(1); // never resubmitted
    const simJob = after.midjourney.jobs.find((j: any) => j.job_id === job.result.providerJobId);
    expect(simJob.prompt).toContain('killed while submitting');
  });

  it('resubmits exactly once after the worker is killed while its submit never reached MJ', async () => {
    const before = await system.admin('GET', '/__admin/stats');
    // The request is held in front of MJ; the worker dies meanwhile, so MJ never creates the job.
    await system.admin('POST', '/__admin/faults', {
      provider: 'midjourney',
      endpoint: 'submit',
      fault: 'latency',
      stage: 'before',
      latencyMs: 25_000,
      times: 1,
    });
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a mill in the snow, killed before MJ saw it',
      options: { mode: 'fast' },
    });
    await submitReached(before);
    await system.stopWorker('SIGKILL');
    await system.startWorker();
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 120_000);
    expect(job.result.images).toHaveLength(4);
    // Let the held request run out: its client is gone, so it must create nothing.
    const heldUntil = Date.parse(job.created_at) + 27_000;
    await new Promise((r) => setTimeout(r, Math.max(0, heldUntil - Date.now())));
    const after = await system.admin('GET', '/__admin/stats');
    expect(after.midjourney.requests.submit - (before.midjourney.requests.submit ?? 0)).toBe(2);
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
