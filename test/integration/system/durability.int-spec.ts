import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamView } from '../jetstream-view.js';
import { TestSystem, waitFor } from '../system.js';

// Restarts in the middle of a job: nothing submitted twice, nothing lost.
describe('durability across restarts', () => {
  // Slower renders (≈9 s fast mode) leave time to kill processes while the job is in flight. The ack wait is longer
  // than a render, so a message whose worker was killed before acking it comes back after its job ended.
  const ACK_WAIT_MS = 15_000;
  const system = new TestSystem({ simSpeed: 0.3, workerEnv: { MIDJOURNEY_ACK_WAIT_MS: String(ACK_WAIT_MS) } });
  let jetstream: JetStreamView;
  const stats = () => system.admin('GET', '/__admin/stats');

  beforeAll(async () => {
    await system.start();
    jetstream = await JetStreamView.open(system.nats.url);
  });
  afterAll(async () => {
    await jetstream?.close();
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
  const submitReached = (before: any, count = 1) =>
    waitFor(
      'the worker to reach /api/submit-jobs',
      async () => {
        const now = await stats();
        const reached = (now.midjourney.requests.submit ?? 0) - (before.midjourney.requests.submit ?? 0) >= count;
        return reached ? now : undefined;
      },
      30_000,
    );

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
    const deliveredBefore = (await jetstream.jobsConsumer('midjourney')).deliveries;
    await system.startWorker();
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 120_000);
    expect(job.result.images).toHaveLength(4);
    // The killed worker never acked the job's message: JetStream redelivers it once the ack wait has passed. Whether
    // it comes back before the job ended (the KV knows the job) or after (the end marker does), the restarted worker
    // must not run it again. Wait until it took the message back and acked it.
    await waitFor(
      'the redelivered job message to be acked',
      async () => {
        const consumer = await jetstream.jobsConsumer('midjourney');
        return consumer.deliveries > deliveredBefore && consumer.unacked === 0 ? consumer : undefined;
      },
      2 * ACK_WAIT_MS + 30_000,
    );
    const after = await stats();
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
    // The held request runs out; its client is gone, so it must create nothing. The simulator counts it when it
    // lets go of it.
    const after = await waitFor(
      'the held submit to run out',
      async () => {
        const now = await stats();
        const released =
          (now.midjourney.requests['abandoned:submit'] ?? 0) - (before.midjourney.requests['abandoned:submit'] ?? 0);
        return released >= 1 ? now : undefined;
      },
      40_000,
    );
    expect(after.midjourney.requests.submit - (before.midjourney.requests.submit ?? 0)).toBe(2);
    expect(after.midjourney.submits - before.midjourney.submits).toBe(1);
  });

  it('loses no event when the gateway is killed mid-job', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a forest in fog',
      options: { mode: 'fast' },
    });
    await system.waitForJob(created.body.id, (j) => j.status === 'processing', 60_000);
    await system.stopGateway('SIGKILL');
    // The job ends while the gateway is down (the worker writes its end marker after the terminal event went to
    // JetStream); the events wait there for the gateway.
    const ended = await waitFor(
      'the worker to end the job',
      () => jetstream.finished('midjourney', created.body.id),
      90_000,
    );
    expect(ended.status).toBe('completed');
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
