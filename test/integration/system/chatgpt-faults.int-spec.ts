import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// ChatGPT under load and faults: the per-account running limit, and each failure the site shows (rate limit,
// network error mid-answer, an answer that never ends, challenge page, lost session), classified and bounded.
// Faults that take the account out of service run last.
describe('ChatGPT limits and faults', () => {
  const system = new TestSystem({ workers: ['chatgpt'], simSpeed: 0.05 });
  const readyUrl = () => `${system.workerUrls.get('chatgpt')}/health/ready`;
  const fault = (body: Record<string, unknown>) =>
    system.admin('POST', '/__admin/faults', { provider: 'chatgpt', ...body });
  const stats = async () => (await system.admin('GET', '/__admin/stats')).chatgpt;
  const submit = (body: Record<string, unknown>) => system.api('POST', '/v1/chatgpt/conversations', body);

  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const readiness = async (status: number) =>
    until(`worker readiness ${status}`, async () => ((await fetch(readyUrl())).status === status ? true : undefined));

  beforeAll(async () => {
    await system.start();
  });
  afterEach(async () => {
    await system.admin('DELETE', '/__admin/faults');
  });
  afterAll(async () => {
    await system.stop();
  });

  it('runs two conversations at once per account and queues the third until a slot frees', async () => {
    await system.admin('POST', '/__admin/chatgpt/reset');
    await system.admin('POST', '/__admin/chatgpt/config', { answerMs: 100_000 }); // 5 s per answer at this speed
    try {
      const created = await Promise.all([1, 2, 3].map((i) => submit({ prompt: `poster number ${i}` })));
      expect(created.map((c) => c.status)).toEqual([202, 202, 202]);
      const jobs = await Promise.all(
        created.map((c) => system.waitForJob(c.body.id, (j) => j.status === 'completed', 60_000)),
      );
      const after = await stats();
      expect(after.sends.default).toBe(3);
      expect(after.maxConcurrent.default).toBe(2); // two at once, never three
      // The last one started only after one of the first two had finished.
      const [a, b, c] = jobs.sort((x, y) => Date.parse(x.started_at) - Date.parse(y.started_at));
      expect(Date.parse(c.started_at)).toBeGreaterThanOrEqual(
        Math.min(Date.parse(a.completed_at), Date.parse(b.completed_at)) - 500,
      );
      expect(new Set(jobs.map((j) => j.result.conversation_id)).size).toBe(3);
    } finally {
      await system.admin('POST', '/__admin/chatgpt/config', { answerMs: 4000 });
    }
  });

  it('sends a message typed before the page has its session token (a slow /api/auth/session)', async () => {
    // The composer shows before the page's session call answers; a send must wait for the token, not go out
    // without one and come back 401 (read as a signed-out account).
    const before = await stats();
    await fault({ fault: 'slow_cdn', endpoint: 'session', latencyMs: 1500 });
    const created = await submit({ prompt: 'a slow session' });
    const job = await system.waitForJob(created.body.id, (j) => j.status !== 'pending' && j.status !== 'processing');
    expect({ status: job.status, error: job.error }).toEqual({ status: 'completed', error: null });
    expect(job.result.text).toContain('a slow session');
    expect((await stats()).sendAttempts - before.sendAttempts).toBe(1);
  });

  it('retries a rate-limited message later and completes it, sending it once', async () => {
    const before = await stats();
    await fault({ fault: 'rate_limit', endpoint: 'conversation', times: 1 });
    const created = await submit({ prompt: 'a rate limited mug' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 60_000);
    expect(job.result.text).toContain('a rate limited mug');
    const after = await stats();
    expect(after.sendAttempts - before.sendAttempts).toBe(2);
    expect((after.sends.default ?? 0) - (before.sends.default ?? 0)).toBe(1);
  });

  it('fails with RATE_LIMITED when the limit outlasts the deadline', async () => {
    await fault({ fault: 'rate_limit', endpoint: 'conversation' });
    const created = await submit({ prompt: 'too many', timeout_seconds: 30 });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed', 60_000);
    expect(job.error.code).toBe('RATE_LIMITED');
    expect(job.error.message).toMatch(/Too many requests/);
  });

  it('reloads and retries once after a network error mid-answer, then completes', async () => {
    await fault({ fault: 'network_drop', endpoint: 'conversation', times: 1 });
    const created = await submit({ prompt: 'a flaky network' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 60_000);
    expect(job.result.text).toContain('Use it as is, or tell me what to change.'); // the whole answer
    const server = await system.admin('GET', `/__admin/chatgpt/conversations/${job.result.conversation_id}`);
    const nodes = Object.values<any>(server.mapping);
    const user = nodes.find((n) => n.message?.author.role === 'user');
    // The cut answer and its regenerated sibling hang off the one user message; the job took the current one.
    expect(user.children).toHaveLength(2);
    const [cut, retried] = user.children.map((id: string) => server.mapping[id].message);
    expect(cut.status).toBe('finished_partial_completion');
    expect(retried.status).toBe('finished_successfully');
    expect(job.result.message_id).toBe(retried.id);
  });

  it('fails with NETWORK_ERROR when the retry is cut again, keeping the partial text', async () => {
    const created = await submit({ prompt: 'always cut [[network_error]]' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed', 60_000);
    expect(job.error.code).toBe('NETWORK_ERROR');
    expect(job.result.text.length).toBeGreaterThan(0);
    expect('Here is a remix design prompt for "always cut"'.startsWith(job.result.text.slice(0, 20))).toBe(true);
    const server = await system.admin('GET', `/__admin/chatgpt/conversations/${job.result.conversation_id}`);
    const user = Object.values<any>(server.mapping).find((n) => n.message?.author.role === 'user');
    expect(user.children).toHaveLength(2); // one retry, no more
  });

  it('ends an answer that never finishes as timeout at its deadline, with the partial text', async () => {
    const started = Date.now();
    const created = await submit({ prompt: 'an endless story [[never_end]]', timeout_seconds: 30 });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'timeout', 60_000);
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(job.error.code).toBe('PROVIDER_TIMEOUT');
    expect(job.result.partial).toBe(true);
    expect(job.result.text.length).toBeGreaterThan(10);
    expect('Here is a remix design prompt for "an endless story"'.startsWith(job.result.text.slice(0, 30))).toBe(true);
    expect(job.result.conversation_id).toBeTruthy();
  });

  it('gets past a challenge that clears after one reload', async () => {
    await fault({ fault: 'challenge_once', endpoint: 'page', times: 1 });
    const created = await submit({ prompt: 'behind a moment' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 60_000);
    expect(job.result.text).toContain('behind a moment');
  });

  it('fails with CHALLENGE when the challenge persists, and the account leaves readiness until it clears', async () => {
    await fault({ fault: 'challenge', endpoint: 'page' });
    const created = await submit({ prompt: 'challenged' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed', 60_000);
    expect(job.error.code).toBe('CHALLENGE');
    await readiness(503);
    await system.admin('DELETE', '/__admin/faults');
    await readiness(200);
  });

  it('fails with SIGNED_OUT when the session is gone, and recovers once it is back', async () => {
    await fault({ fault: 'unauthorized' });
    const created = await submit({ prompt: 'signed out' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed', 60_000);
    expect(job.error.code).toBe('SIGNED_OUT');
    await readiness(503);
    const health = await (await fetch(readyUrl())).json();
    expect(health.error.account).toMatchObject({ status: 'down', state: 'signed_out' });
    const status = await system.api('GET', '/v1/chatgpt/status');
    expect(status.body.account).toMatchObject({
      state: 'signed_out',
      signedIn: false,
      lastError: { code: 'SIGNED_OUT' },
    });
    await system.admin('DELETE', '/__admin/faults');
    const init = await system.api('POST', '/v1/chatgpt/init');
    expect(init.status).toBe(200);
    expect(init.body.account).toMatchObject({ state: 'ready', signedIn: true });
    await readiness(200);
    const again = await submit({ prompt: 'signed in again' });
    const done = await system.waitForJob(again.body.id, (j) => j.status === 'completed', 60_000);
    expect(done.result.text).toContain('signed in again');
  });
});
