import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// Provider faults on the simulated ideogram.ai: quota answers, the in-flight limit, a token expiring while a job is
// polled, 429s, 5xx, a connection cut during the submission, and a request that never completes. The last one keeps
// the account's only in-flight slot, so it runs last.
const ended = (j: any) => ['completed', 'failed', 'timeout', 'canceled'].includes(j.status);

describe('Ideogram faults', () => {
  const system = new TestSystem({ simSpeed: 0.05, workers: ['ideogram'] });
  const stats = async () => (await system.admin('GET', '/__admin/stats')).ideogram;
  const fault = (body: Record<string, unknown>) =>
    system.admin('POST', '/__admin/faults', { provider: 'ideogram', ...body });
  const count = (s: any, endpoint: string) => s.requests[endpoint] ?? 0;

  beforeAll(async () => {
    await system.start();
    await system.admin('POST', '/__admin/ideogram/config', { requireBearer: true });
  });

  afterAll(async () => {
    await system.stop();
  });

  it('fails a job clearly when the quota is exhausted, without sampling', async () => {
    const before = await stats();
    await fault({ fault: 'quota_exhausted', endpoint: 'quota', times: 1 });
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a lighthouse' });
    const job = await system.waitForJob(created.body.id, ended);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('QUOTA_EXHAUSTED');
    expect(job.error.message).toMatch(/OUT_OF_CREDITS.*credits refresh at/);
    const after = await stats();
    expect(count(after, 'submit') - count(before, 'submit')).toBe(0);
  });

  it('waits in the queue while the in-flight slot is taken, then completes', async () => {
    const before = await stats();
    // Taken twice at the quota check, then once more at the sample call itself.
    await fault({ fault: 'inflight_limit', endpoint: 'quota', times: 2 });
    await fault({ fault: 'inflight_limit', endpoint: 'submit', times: 1 });
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a windmill' });
    const job = await system.waitForJob(created.body.id, ended, 90_000);
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(1);
    const after = await stats();
    expect(after.submits - before.submits).toBe(1);
    expect(count(after, 'quota') - count(before, 'quota')).toBeGreaterThanOrEqual(4);
    expect(count(after, 'submit') - count(before, 'submit')).toBe(2);
  });

  it('refreshes an expired token in the middle of a poll and completes the job', async () => {
    const before = await stats();
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a slow harbour [[slow]]' });
    const processing = await system.waitForJob(
      created.body.id,
      (j) => j.status === 'processing' && !!j.result?.providerJobId,
      60_000,
    );
    const request = await system.admin('GET', `/__admin/ideogram/requests/${processing.result.providerJobId}`);
    expect(request.is_completed).toBe(false);
    await system.admin('POST', '/__admin/ideogram/accounts/default/expire');
    const job = await system.waitForJob(created.body.id, ended, 90_000);
    expect(job.status).toBe('completed');
    const after = await stats();
    expect(after.rejectedTokens - before.rejectedTokens).toBeGreaterThanOrEqual(1); // the poll with the old token
    expect(after.tokenRefreshes - before.tokenRefreshes).toBeGreaterThanOrEqual(1); // the page's own refresh
    expect(after.submits - before.submits).toBe(1);
    expect((await fetch(`${system.workerUrls.get('ideogram')}/health/ready`)).status).toBe(200);
  });

  it('backs off on a 429 at submission and completes once it clears; survives 5xx while polling', async () => {
    const before = await stats();
    await fault({ fault: 'rate_limit', endpoint: 'submit', times: 1 });
    await fault({ fault: 'server_error', endpoint: 'status', times: 2 });
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a quiet bay' });
    const job = await system.waitForJob(created.body.id, ended, 90_000);
    expect(job.status).toBe('completed');
    const after = await stats();
    expect(after.submits - before.submits).toBe(1);
    expect(count(after, 'submit') - count(before, 'submit')).toBe(2);
    expect(count(after, 'status') - count(before, 'status')).toBeGreaterThanOrEqual(3);
  });

  it('reconciles a submission whose answer was cut off instead of submitting again', async () => {
    const before = await stats();
    await fault({ fault: 'network_drop', endpoint: 'submit', times: 1 });
    const created = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a lost answer' });
    const job = await system.waitForJob(created.body.id, ended, 90_000);
    expect(job.status).toBe('completed');
    expect(job.result.recovered).toBe(true);
    const after = await stats();
    expect(after.submits - before.submits).toBe(1);
    expect(count(after, 'gallery') - count(before, 'gallery')).toBeGreaterThanOrEqual(1);
  });

  it('ends a request that never completes as timeout at its deadline', async () => {
    const created = await system.api('POST', '/v1/ideogram/generate', {
      prompt: 'forever [[stuck]]',
      timeout_seconds: 30,
    });
    const processing = await system.waitForJob(created.body.id, (j) => j.status === 'processing', 60_000);
    expect(processing.progress).toBeLessThan(100);
    const job = await system.waitForJob(created.body.id, ended, 90_000);
    expect(job.status).toBe('timeout');
    expect(job.error.code).toBe('PROVIDER_TIMEOUT');
    expect(job.result.images).toEqual([]);
    expect(Date.parse(job.completed_at)).toBeLessThanOrEqual(Date.parse(job.deadline_at) + 30_000);
    expect(job.progress).toBeGreaterThanOrEqual(90); // it climbed and held at 99 at the provider
  });
});
