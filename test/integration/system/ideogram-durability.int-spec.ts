import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// The Ideogram worker killed mid-job, and the account states an operator must fix (challenge, lost session): jobs end
// classified, readiness tells the orchestrator, and the worker comes back once the account is usable again.
const ended = (j: any) => ['completed', 'failed', 'timeout', 'canceled'].includes(j.status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ideogram durability and account states', () => {
  // Generations of ≈18 s leave time to kill the worker while the request runs at the provider.
  const system = new TestSystem({ simSpeed: 0.3, workers: ['ideogram'] });
  const stats = async () => (await system.admin('GET', '/__admin/stats')).ideogram;
  const ready = async () => (await fetch(`${system.workerUrls.get('ideogram')}/health/ready`)).status;
  const waitReady = async (wanted: number) => {
    const until = Date.now() + 60_000;
    while (Date.now() < until && (await ready()) !== wanted) await sleep(250);
    return ready();
  };

  beforeAll(async () => {
    await system.start();
  });

  afterAll(async () => {
    await system.stop();
  });

  it('resumes a job after the worker is killed with SIGKILL, without a second submission', async () => {
    const before = await stats();
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a castle on a cliff', num_images: 2 });
    const processing = await system.waitForJob(
      created.body.id,
      (j) => j.status === 'processing' && !!j.result?.providerJobId,
      60_000,
    );
    await system.stopProviderWorker('ideogram', 'SIGKILL');
    const request = await system.admin('GET', `/__admin/ideogram/requests/${processing.result.providerJobId}`);
    expect(request.is_completed).toBe(false); // killed while the provider was still rendering
    await system.startProviderWorker('ideogram');
    const job = await system.waitForJob(created.body.id, ended, 120_000);
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(2);
    const after = await stats();
    expect(after.submits - before.submits).toBe(1);
    expect((after.requests.submit ?? 0) - (before.requests.submit ?? 0)).toBe(1);
  });

  it('fails jobs with CHALLENGE and leaves readiness while the challenge persists; recovers once it clears', async () => {
    await system.admin('POST', '/__admin/faults', { provider: 'ideogram', fault: 'challenge' });
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'behind a wall' });
    const job = await system.waitForJob(created.body.id, ended, 60_000);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('CHALLENGE');
    expect(await waitReady(503)).toBe(503);
    const status = await system.api('GET', `/api/job/${created.body.id}`);
    expect(status.body).toMatchObject({ isComplete: false, isFailed: true, status: 'failed' });

    await system.admin('DELETE', '/__admin/faults');
    expect(await waitReady(200)).toBe(200); // the worker re-checks the account by itself
  });

  it('fails jobs with SIGNED_OUT and reports the worker not ready when the session is gone', async () => {
    await system.admin('POST', '/__admin/faults', { provider: 'ideogram', fault: 'unauthorized' });
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a quiet harbour' });
    const job = await system.waitForJob(created.body.id, ended, 60_000);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('SIGNED_OUT');
    expect(await waitReady(503)).toBe(503);
    const body = await (await fetch(`${system.workerUrls.get('ideogram')}/health/ready`)).json();
    expect(body.error.account.state).toBe('signed_out');
    await system.admin('DELETE', '/__admin/faults');
  });
});
