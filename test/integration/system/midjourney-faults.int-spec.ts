import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// Provider faults end to end (PROVIDERS.md §2.8, §5.0): HTTP → gateway → worker → Chromium → simulator with its fault
// switches armed. Each job must reach the right terminal state, and nothing may be submitted twice. Faults that
// leave the account unusable run last. Job-status faults need job-status polls: the websocket is off here (its own
// faults are in midjourney-socket.int-spec).
describe('Midjourney faults end to end', () => {
  const system = new TestSystem({ simSpeed: 0.05, workerEnv: { MIDJOURNEY_SOCKET: 'false' } });

  const stats = async () => (await system.admin('GET', '/__admin/stats')).midjourney;
  /** Requests an endpoint got between two stats snapshots (a counter appears with its first request). */
  const requests = (after: any, before: any, endpoint: string) =>
    (after.requests[endpoint] ?? 0) - (before.requests[endpoint] ?? 0);
  const arm = (fault: Record<string, unknown>) =>
    system.admin('POST', '/__admin/faults', { provider: 'midjourney', ...fault });
  const imagine = async (prompt: string, options: Record<string, unknown> = { mode: 'fast' }) => {
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt, options });
    expect(created.status).toBe(202);
    return created.body.id as string;
  };
  const ended = (id: string, timeoutMs = 60_000) =>
    system.waitForJob(id, (j) => !['pending', 'processing'].includes(j.status), timeoutMs);
  const ready = async () => (await fetch(`${system.workerUrl}/health/ready`)).status;
  const untilReady = async (status: number, timeoutMs = 20_000) => {
    const until = Date.now() + timeoutMs;
    while ((await ready()) !== status && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    return ready();
  };

  beforeAll(async () => {
    await system.start();
  });
  afterAll(async () => {
    await system.stop();
  });
  afterEach(async () => {
    await system.admin('DELETE', '/__admin/faults');
  });

  describe('a submit whose answer is lost is reconciled through the job feed, never repeated', () => {
    it.each<[string, Record<string, unknown>]>([
      ['the connection drops mid-answer', { fault: 'network_drop' }],
      ['an edge answers 502', { fault: 'server_error', status: 502 }],
      ['an edge answers 504', { fault: 'server_error', status: 504 }],
    ])('after MJ accepted the job and %s: one submission, completed', async (label, fault) => {
      const before = await stats();
      await arm({ endpoint: 'submit', times: 1, ...fault });
      const job = await ended(await imagine(`a lantern, lost answer (${label})`));
      expect(job.status).toBe('completed');
      expect(job.result.images).toHaveLength(4);
      const after = await stats();
      expect(after.submits - before.submits).toBe(1); // the job MJ created is the one stored
      expect(requests(after, before, 'submit')).toBe(1); // and no second attempt was made
      expect(requests(after, before, 'feed')).toBeGreaterThanOrEqual(1);
      const simJob = after.jobs.find((j: any) => j.job_id === job.result.providerJobId);
      expect(simJob.prompt).toContain('lost answer');
    });

    it('when the 503 came before MJ created anything: resubmitted once the feed proves it, one submission', async () => {
      const before = await stats();
      await arm({ endpoint: 'submit', fault: 'server_error', status: 503, stage: 'before', times: 1 });
      const job = await ended(await imagine('a lantern, refused first'));
      expect(job.status).toBe('completed');
      const after = await stats();
      expect(after.submits - before.submits).toBe(1);
      expect(requests(after, before, 'submit')).toBe(2);
      expect(requests(after, before, 'feed')).toBeGreaterThanOrEqual(1);
    });
  });

  it('fails a soft-banned prompt with CONTENT_REJECTED, creating nothing and not retrying', async () => {
    const before = await stats();
    const job = await ended(await imagine('a portrait [[softban]]'));
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'CONTENT_REJECTED' });
    const after = await stats();
    expect(after.submits - before.submits).toBe(0);
    expect(requests(after, before, 'submit')).toBe(1);
  });

  it('fails a job MJ moderates during its run with CONTENT_REJECTED and stores no file', async () => {
    const id = await imagine('a harbour [[moderate_later]]');
    const running = await system.waitForJob(id, (j) => j.status !== 'pending' && !!j.result?.providerJobId);
    expect(['processing', 'failed']).toContain(running.status);
    const job = await ended(id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'CONTENT_REJECTED', message: 'Midjourney moderated the job' });
    expect(job.result.images).toEqual([]);
    const simJob = (await stats()).jobs.find((j: any) => j.job_id === job.result.providerJobId);
    expect(simJob.state).toBe('moderated');
  });

  it('lets a job wait while the account’s queue at MJ is full, then completes it with one submission', async () => {
    const before = await stats();
    await arm({ endpoint: 'submit', fault: 'queue_full', times: 1 });
    const id = await imagine('a tram in the rain');
    const job = await ended(id, 90_000);
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(4);
    const after = await stats();
    expect(after.submits - before.submits).toBe(1);
    expect(requests(after, before, 'submit')).toBe(2);
  });

  it('retries job-status answered with 5xx and completes', async () => {
    const before = await stats();
    await arm({ endpoint: 'status', fault: 'server_error', status: 500, times: 3 });
    const job = await ended(await imagine('a bridge at noon'));
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(4);
    expect(requests(await stats(), before, 'status')).toBeGreaterThanOrEqual(4);
    expect((await system.admin('GET', '/__admin/faults')).faults).toEqual([]); // all three fired
  });

  it('retries CDN files answered with 5xx and completes with every file', async () => {
    await arm({ endpoint: 'cdn', fault: 'server_error', status: 502, times: 5 });
    const job = await ended(await imagine('a windmill'));
    expect(job.status).toBe('completed');
    expect(job.result.images.map((i: { index: number }) => i.index)).toEqual([0, 1, 2, 3]);
    expect((await system.admin('GET', '/__admin/faults')).faults).toEqual([]);
  });

  it('completes through a slow CDN, noticing the finished job within a bounded delay', async () => {
    const latencyMs = 1500;
    await arm({ endpoint: 'cdn', fault: 'slow_cdn', latencyMs, times: 8 });
    const job = await ended(await imagine('a slow river'));
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(4);
    const simJob = (await stats()).jobs.find((j: any) => j.job_id === job.result.providerJobId);
    const lag = Date.parse(job.completed_at) - simJob.completesAt;
    // Four parallel downloads take one latency, a retried round another; the poller adds well under a second.
    expect(lag).toBeGreaterThan(latencyMs - 100);
    expect(lag).toBeLessThan(3 * latencyMs + 3000);
  });

  it('keeps working while POST /midjourney/init re-checks the account during a render', async () => {
    const id = await imagine('a clock tower', { mode: 'relax' });
    await system.waitForJob(id, (j) => j.status === 'processing');
    const inits = await Promise.all([1, 2, 3].map(() => system.api('POST', '/midjourney/init')));
    expect(inits.map((r) => r.status)).toEqual([200, 200, 200]);
    const job = await ended(id);
    expect(job.status).toBe('completed');
    expect(job.result.images).toHaveLength(4);
  });

  it('fails a job behind a persistent challenge with CHALLENGE, reports the worker not ready, recovers once it clears', async () => {
    await arm({ fault: 'challenge' }); // every endpoint, the sign-in page included
    const job = await ended(await imagine('a gate in the fog'));
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('CHALLENGE');
    expect(await untilReady(503)).toBe(503);
    const status = await system.api('GET', '/midjourney/status');
    expect(status.body).toMatchObject({ success: true, status: 'error', accountState: 'challenge' });
    const init = await system.api('POST', '/midjourney/init');
    expect(init.status).toBe(503);
    expect(init.body).toMatchObject({ success: false, code: 'CHALLENGE' });

    await system.admin('DELETE', '/__admin/faults');
    expect(await untilReady(200)).toBe(200); // the worker re-checks the account on its own
    const next = await ended(await imagine('a gate in the sun'));
    expect(next.status).toBe('completed');
  });

  it('clears a challenge_once page with one reload: init succeeds and the fault fired', async () => {
    expect(await untilReady(200)).toBe(200);
    const before = await stats();
    await arm({ endpoint: 'page', fault: 'challenge_once' });
    const init = await system.api('POST', '/midjourney/init');
    expect(init.status).toBe(200);
    expect(init.body).toMatchObject({ success: true, status: 'running', accountState: 'ready' });
    expect((await system.admin('GET', '/__admin/faults')).faults).toEqual([]);
    expect(requests(await stats(), before, 'page')).toBeGreaterThanOrEqual(2);
  });
});
