import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

// Our own infrastructure failing under a running system (issue: exactly once through every fault): nats-server
// stopped while a job runs and while a worker starts. Provider outcomes come from the simulator; nothing may be
// submitted twice, and every job ends.
describe('Workers through NATS outages', () => {
  const system = new TestSystem({ simSpeed: 0.15 });

  const stats = async () => (await system.admin('GET', '/__admin/stats')).midjourney;
  const submissionsOf = (s: any, prompt: string) => s.jobs.filter((j: any) => String(j.prompt).includes(prompt)).length;
  const imagine = async (prompt: string) => {
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt, options: { mode: 'fast' } });
    expect(created.status).toBe(202);
    return created.body.id as string;
  };
  const status = async (path: string) =>
    (await fetch(`${system.workerUrl}${path}`, { signal: AbortSignal.timeout(3000) })).status;
  const until = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) =>
    waitFor(what, async () => (await check()) || undefined, timeoutMs);

  beforeAll(async () => {
    await system.start();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('keeps a job that was accepted before NATS went away: one submission, completed once NATS is back', async () => {
    const prompt = `a harbour at dawn, outage ${Date.now()}`;
    const id = await imagine(prompt);
    await system.waitForJob(id, (j) => j.status === 'processing');
    const logged = system.worker!.output().length;
    await system.nats.stop();
    // The worker keeps polling the provider and keeps what it learns in memory while the KV cannot take it.
    await until('the worker to meet the outage', () =>
      /kept in memory|not published|publishing/.test(system.worker!.output().slice(logged)),
    );
    await system.nats.restart();
    const job = await system.waitForJob(id, (j) => !['pending', 'processing'].includes(j.status), 90_000);
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(4);
    expect(submissionsOf(await stats(), prompt)).toBe(1);
  });

  it('starts a worker while NATS is down: live, not ready, and consuming once NATS is back', async () => {
    await system.stopWorker('SIGKILL');
    await system.nats.stop();
    await system.startProviderWorker('midjourney', { ready: false });
    expect(await status('/health/live')).toBe(200);
    expect(await status('/health/ready')).toBe(503);
    await system.nats.restart();
    await until('the worker to be ready', async () => (await status('/health/ready')) === 200, 60_000);
    const prompt = `a lighthouse, late start ${Date.now()}`;
    const job = await system.waitForJob(
      await imagine(prompt),
      (j) => !['pending', 'processing'].includes(j.status),
      90_000,
    );
    expect(job.status).toBe('completed');
    expect(submissionsOf(await stats(), prompt)).toBe(1);
  });
});
