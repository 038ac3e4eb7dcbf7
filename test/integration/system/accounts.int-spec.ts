import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';

// The pool's registry as an operator sees it through GET /v1/accounts: live state, scoping by key, taking an account
// out of rotation and back, a re-check after the site signed it out, and the entry of a dead worker expiring.
describe('Accounts: the registry and its levers', () => {
  let system!: TestSystem;
  // Operator alerts land here (loopback).
  const alerts: { event: string; body: any }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      alerts.push({ event: String(req.headers['x-gateway-event']), body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  const accounts = async (headers: Record<string, string> = {}) => {
    const res = await system.api('GET', '/v1/accounts', undefined, headers);
    expect(res.status).toBe(200);
    return res.body.data as any[];
  };
  const midjourney = async () => (await accounts()).find((a) => a.provider === 'midjourney' && a.account === 'default');
  const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000) => waitFor(what, fn, timeoutMs);

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    system = new TestSystem({
      simSpeed: 0.1,
      // Postgres rather than the embedded PGlite: under the whole suite's load on two cores PGlite's one thread
      // stalled long enough to time this file out once.
      database: 'postgres',
      databasePrefix: 'gw_accounts',
      // A daily limit of two jobs: the disable test runs one, the limit test one more.
      envOf: { midjourney: { WORKER_DAILY_JOB_LIMIT: '2' } },
      gatewayEnv: { ACCOUNT_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts` },
    });
    await system.start();
  });
  afterAll(async () => {
    await system?.stop();
    receiver.close();
  });

  it('lists the running account with its live state, to keys of its provider only', async () => {
    const entry = await until('the account to be ready', async () => {
      const found = await midjourney();
      return found?.state === 'ready' ? found : undefined;
    });
    expect(entry).toMatchObject({ signedIn: true, capacity: expect.any(Number), disabled: false, running: 0 });
    expect(Date.now() - Date.parse(entry.updatedAt)).toBeLessThan(15_000);

    const other = await system.api('POST', '/v1/admin/keys', { name: 'ideogram only', scopes: ['ideogram'] });
    expect(await accounts({ 'x-api-key': other.body.key })).toEqual([]);
    const bad = await system.api('GET', '/v1/accounts?provider=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_REQUEST');
    const forbidden = await system.api('POST', '/v1/accounts/midjourney/default/disable', undefined, {
      'x-api-key': other.body.key,
    });
    expect(forbidden.status).toBe(403);
  });

  it('takes an account out of rotation: its jobs wait, and run once it is back', async () => {
    const disabled = await system.api('POST', '/v1/accounts/midjourney/default/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    await until('the worker to apply it', async () => ((await midjourney())?.state === 'disabled' ? true : undefined));

    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a quiet pier, while disabled' });
    expect(created.status).toBe(202);
    // Two beats of the disabled worker after the job was queued: it had every chance to take it.
    const queuedAt = Date.parse(created.body.created_at);
    await until('two more beats of the disabled account', async () => {
      const entry = await midjourney();
      return entry && entry.state === 'disabled' && Date.parse(entry.updatedAt) > queuedAt + 4000 ? true : undefined;
    });
    const stats = await system.admin('GET', '/__admin/stats');
    expect(stats.midjourney.jobs.filter((j: any) => String(j.prompt).includes('while disabled'))).toHaveLength(0);
    const waiting = (await system.api('GET', `/v1/jobs/${created.body.id}`)).body;
    expect(waiting.status).toBe('pending');
    // Why it waits, and the account's own plan as the worker read it from the site (the simulator's figures).
    expect(waiting.queue.account).toEqual({
      name: 'default',
      state: 'disabled',
      mode: 'fast',
      fast_hours_left: 12.5,
      relax_enabled: true,
    });

    expect((await system.api('POST', '/v1/accounts/midjourney/default/enable')).status).toBe(200);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 60_000);
    expect(job.result.images).toHaveLength(4);
    expect((await midjourney())?.disabled).toBe(false);
  }, 240_000);

  it('takes no more jobs once its daily limit is used up, and says why', async () => {
    const second = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a second pier today' });
    await system.waitForJob(second.body.id, (j) => j.status === 'completed', 60_000);
    const entry = await until('the registry to show the limit', async () => {
      const found = await midjourney();
      return found?.pool.offDuty === 'daily_limit' ? found : undefined;
    });
    expect(entry.pool).toMatchObject({ dailyJobLimit: 2, submittedToday: 2, weight: 1 });

    const third = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a third pier, over the limit' });
    const queuedAt = Date.parse(third.body.created_at);
    await until('two more beats', async () => {
      const found = await midjourney();
      return found && Date.parse(found.updatedAt) > queuedAt + 4000 ? true : undefined;
    });
    expect((await system.api('GET', `/v1/jobs/${third.body.id}`)).body.status).toBe('pending');
    const stats = await system.admin('GET', '/__admin/stats');
    expect(stats.midjourney.jobs.filter((j: any) => String(j.prompt).includes('over the limit'))).toHaveLength(0);
    expect((await system.api('POST', `/v1/jobs/${third.body.id}/cancel`)).status).toBe(200);
  }, 240_000);

  it('re-checks an account on request: signed out at the site, then back', async () => {
    await system.admin('POST', '/__admin/faults', { provider: 'midjourney', fault: 'unauthorized' });
    const out = await system.api('POST', '/v1/accounts/midjourney/default/check');
    expect(out.status).toBe(200);
    expect(out.body.state).toBe('signed_out');
    expect((await midjourney())?.state).toBe('signed_out');
    // The operator hears of it once, however many beats repeat the state.
    const alert = await until('the operator alert', async () => alerts.find((a) => a.event === 'account.signed_out'));
    expect(alert.body).toMatchObject({
      previous_state: 'ready',
      account: { provider: 'midjourney', account: 'default' },
    });

    await system.admin('DELETE', '/__admin/faults');
    const back = await system.api('POST', '/v1/accounts/midjourney/default/check');
    expect(back.body.state).toBe('ready');
    expect(alerts.filter((a) => a.event === 'account.signed_out')).toHaveLength(1);

    const unknown = await system.api('POST', '/v1/accounts/midjourney/nobody/check');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('drops the entry of a worker that died', async () => {
    await system.stopWorker('SIGKILL');
    await until('the entry to expire', async () => ((await midjourney()) ? undefined : true), 30_000);
  });
});
