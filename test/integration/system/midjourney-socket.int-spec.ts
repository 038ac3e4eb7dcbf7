import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

// Live job news over the Midjourney websocket (the simulator's ws.midjourney.com, opened inside the worker's
// Chromium), polling taking over when the socket drops.
describe('Midjourney websocket and original routes', () => {
  const system = new TestSystem({ simSpeed: 0.03 });

  beforeAll(async () => {
    await system.start();
  });

  afterAll(async () => {
    await system.stop();
  });

  const simJob = async (providerJobId: string) => {
    const stats = await system.admin('GET', '/__admin/stats');
    return stats.midjourney.jobs.find((j: any) => j.job_id === providerJobId);
  };
  const counter = async (name: string): Promise<number> =>
    (await system.admin('GET', '/__admin/stats')).midjourney.requests[name] ?? 0;

  it('completes a job from the socket’s news, without asking /api/job-status', async () => {
    await waitFor(
      'the worker’s socket subscribed',
      async () => ((await counter('socket:subscriptions')) ? true : undefined),
      30_000,
    );
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a fox on a socket',
      options: { mode: 'fast' },
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.images).toHaveLength(4);
    const provider = await simJob(job.result.providerJobId);
    // The render took ~0.9 s; the backstop poll would come 15 s after submission: only the socket told.
    expect(provider.statusRequests).toBe(0);
    expect(provider.cdnRequests).toBe(4);
  });

  it('falls back to polling when the socket drops mid-job, and follows new jobs once it is back', async () => {
    const drops = await counter('socket:drops');
    const connections = await counter('socket:connections');
    await system.admin('POST', '/__admin/faults', { provider: 'midjourney', endpoint: 'socket', fault: 'socket_drop' });
    const created = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a dropped fox',
      options: { mode: 'fast' },
    });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.images).toHaveLength(4);
    expect(await counter('socket:drops')).toBeGreaterThan(drops);
    const provider = await simJob(job.result.providerJobId);
    expect(provider.statusRequests).toBeGreaterThan(0); // polling took over
    expect(provider.statusRequests).toBeLessThanOrEqual(10);

    await system.admin('DELETE', '/__admin/faults');
    await waitFor(
      'the socket reopened',
      async () => ((await counter('socket:connections')) > connections ? true : undefined),
      60_000,
    );
    const next = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a fox back on the socket',
      options: { mode: 'fast' },
    });
    const done = await system.waitForJob(next.body.id, (j) => j.status === 'completed');
    expect((await simJob(done.result.providerJobId)).statusRequests).toBe(0);
  });
});
