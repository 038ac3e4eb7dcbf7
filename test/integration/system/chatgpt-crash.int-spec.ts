import { readFile, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

/** The Chromium main process a worker launched (a direct child of the worker's Node process). */
async function chromiumOf(workerPid: number): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== workerPid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (/chrom/i.test(cmdline)) return Number(entry);
  }
  return undefined;
}

// Crashes mid-run, on Postgres: the browser killed under a streaming answer, and the worker killed mid-answer and
// mid-send. Runs resume from the KV state and the conversation on chatgpt.com: they finish, once, never hang.
describe('ChatGPT crash recovery', () => {
  const system = new TestSystem({ workers: ['chatgpt'], simSpeed: 0.05, database: 'postgres' });
  const stats = async () => {
    const s = (await system.admin('GET', '/__admin/stats')).chatgpt;
    return { ...s, sent: (s.sends.default ?? 0) as number };
  };
  const userMessages = async (conversationId: string) => {
    const server = await system.admin('GET', `/__admin/chatgpt/conversations/${conversationId}`);
    return Object.values<any>(server.mapping).filter((n) => n.message?.author.role === 'user');
  };

  beforeAll(async () => {
    await system.start();
    // Answers stream for about 3 s, images take 1 s more: long enough to crash things in between.
    await system.admin('POST', '/__admin/chatgpt/config', { answerMs: 60_000, imageMs: 20_000 });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('resumes a run when its browser is killed mid-answer, and still stores the image', async () => {
    const created = await system.api('POST', '/v1/chatgpt/conversations', { prompt: 'a long tale [[image]]' });
    const streaming = await system.waitForJob(
      created.body.id,
      (j) => j.status === 'processing' && typeof j.result?.text === 'string' && j.result.text.length > 0,
    );
    const worker = system.workers.get('chatgpt')!;
    const chromium = await chromiumOf(worker.child.pid!);
    expect(chromium).toBeDefined();
    process.kill(chromium!, 'SIGKILL');

    const job = await system.waitForJob(created.body.id, (j) => ['completed', 'failed', 'timeout'].includes(j.status));
    expect(job.status).toBe('completed');
    expect(job.result.conversation_id).toBe(streaming.result.conversation_id);
    expect(job.result.text).toContain('Use it as is, or tell me what to change.');
    expect(job.result.images).toHaveLength(1);
    expect((await fetch(job.result.images[0].url)).status).toBe(200);
    const health = await (await fetch(`${system.workerUrls.get('chatgpt')}/health/ready`)).json();
    expect(health.info.browser.relaunches).toBeGreaterThanOrEqual(1);
    expect(await chromiumOf(worker.child.pid!)).not.toBe(chromium);
    expect(await userMessages(job.result.conversation_id)).toHaveLength(1);
  });

  it('resumes a run after the worker is killed mid-answer, without sending it again', async () => {
    const before = await stats();
    const created = await system.api('POST', '/v1/chatgpt/conversations', { prompt: 'a story about a kite' });
    const streaming = await system.waitForJob(
      created.body.id,
      (j) => j.status === 'processing' && !!j.result?.conversation_id,
    );
    await system.stopProviderWorker('chatgpt', 'SIGKILL');
    await system.startProviderWorker('chatgpt');

    const job = await system.waitForJob(created.body.id, (j) => ['completed', 'failed', 'timeout'].includes(j.status));
    expect(job.status).toBe('completed');
    expect(job.result.conversation_id).toBe(streaming.result.conversation_id);
    expect(job.result.text).toContain('a story about a kite');
    expect((await stats()).sent - before.sent).toBe(1);
    expect(await userMessages(job.result.conversation_id)).toHaveLength(1);
  });

  it('finds a message sent just before the worker died and follows it instead of sending it twice', async () => {
    const before = await stats();
    // The site takes its time to answer the send: the worker dies while waiting for the conversation id.
    await system.admin('POST', '/__admin/faults', {
      provider: 'chatgpt',
      fault: 'slow_cdn',
      endpoint: 'conversation',
      latencyMs: 1500,
      times: 1,
    });
    const created = await system.api('POST', '/v1/chatgpt/conversations', { prompt: 'a message in flight' });
    const until = async (what: string, test: (s: any) => boolean) => {
      for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        if (test(await stats())) return;
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await until('the send', (s) => s.sendAttempts > before.sendAttempts);
    await system.stopProviderWorker('chatgpt', 'SIGKILL');
    await until('the conversation', (s) => (s.sends.default ?? 0) > before.sent);
    await system.startProviderWorker('chatgpt');

    const job = await system.waitForJob(created.body.id, (j) => ['completed', 'failed', 'timeout'].includes(j.status));
    expect(job.status).toBe('completed');
    expect(job.result.text).toContain('a message in flight');
    const after = await stats();
    expect(after.sendAttempts - before.sendAttempts).toBe(1);
    expect(after.sent - before.sent).toBe(1);
    expect(await userMessages(job.result.conversation_id)).toHaveLength(1);
  });
});
