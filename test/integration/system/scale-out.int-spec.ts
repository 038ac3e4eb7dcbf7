import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobEvents } from '../sse.js';
import { TestSystem, waitFor } from '../system.js';

// Scale out on one machine: a 3-node JetStream cluster (streams and buckets at 3 replicas), two gateways on one
// Postgres, two Midjourney accounts. Every gateway sees every job change whichever one consumed the event; then one
// NATS node, one gateway and one account's worker are killed (-9) and work goes on: nothing lost, nothing submitted
// twice, the killed account's work resumes when it returns, and GET /v1/accounts follows each change.
describe('Scale out: gateway replicas on a JetStream cluster', () => {
  const system = new TestSystem({ database: 'postgres', databasePrefix: 'gw_scale', natsCluster: true, simSpeed: 0.1 });
  let replica: { url: string };
  const ended = (j: any) => !['pending', 'processing'].includes(j.status);
  const submissions = async (prompt: string) =>
    (await system.admin('GET', '/__admin/stats')).midjourney.jobs.filter((j: any) => String(j.prompt).includes(prompt))
      .length;

  beforeAll(async () => {
    await system.start();
    [replica] = await Promise.all([system.startGatewayReplica(), system.startMidjourneyAccount('second')]);
  }, 240_000);
  afterAll(async () => {
    await system.stop();
  });

  it('follows a job live on the other gateway (SSE and Prefer: wait) whichever one applied its events', async () => {
    const gateways = [system.gatewayUrl, replica.url];
    const runs = [0, 1, 2, 3].map(async (i) => {
      const prompt = `a lantern in the fog, replica run ${i} ${Date.now()}`;
      const [submitAt, watchAt] = [gateways[i % 2], gateways[(i + 1) % 2]];
      const created = await system.apiAt(submitAt, 'POST', '/v1/midjourney/imagine', {
        prompt,
        options: { mode: 'fast' },
      });
      expect(created.status).toBe(202);
      const events = await readJobEvents(`${watchAt}/v1/jobs/${created.body.id}/events`, system.apiKey);
      expect(events.at(-1).status).toBe('completed');
      expect(events.at(-1).result.images).toHaveLength(4);
      return prompt;
    });
    for (const prompt of await Promise.all(runs)) expect(await submissions(prompt)).toBe(1);
    // The changes reached the other gateway as announcements, not only through its periodic re-read of the row.
    const received = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`, { headers: { 'x-api-key': system.apiKey } })).text();
      return Number(/gateway_replica_job_changes_total\{direction="received"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    expect((await received(system.gatewayUrl)) + (await received(replica.url))).toBeGreaterThan(0);

    // Prefer: wait on one gateway ends when the job does, whichever gateway consumed its events.
    const waited = await Promise.all(
      gateways.map((url, i) =>
        system.apiAt(
          url,
          'POST',
          '/v1/midjourney/imagine',
          { prompt: `a kite, waited on gateway ${i} ${Date.now()}`, options: { mode: 'fast' } },
          { prefer: 'wait=60' },
        ),
      ),
    );
    for (const answer of waited) {
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('completed');
    }
  }, 180_000);

  it('refuses a key on every gateway as soon as one of them revoked it', async () => {
    const created = await system.api('POST', '/v1/admin/keys', { name: 'replicas', scopes: ['midjourney'] });
    expect(created.status).toBe(201);
    const headers = { 'x-api-key': created.body.key };
    // Known (and cached) by the replica before the revocation.
    expect((await system.apiAt(replica.url, 'GET', '/v1/jobs?limit=1', undefined, headers)).status).toBe(200);
    expect((await system.api('DELETE', `/v1/admin/keys/${created.body.id}`)).status).toBe(200);
    // Well inside the 30 s a cached key would otherwise be trusted.
    await waitFor(
      'the replica to refuse the revoked key',
      async () =>
        (await system.apiAt(replica.url, 'GET', '/v1/jobs?limit=1', undefined, headers)).status === 401 || undefined,
      3000,
    );
  });

  it('keeps working when a NATS node, a gateway and an account are killed: every job ends once', async () => {
    const accounts = async () =>
      ((await system.api('GET', '/v1/accounts?provider=midjourney')).body.data as any[]).map(
        (a) => `${a.account}:${a.state}`,
      );
    await waitFor(
      'both accounts ready in the registry',
      async () => {
        const listed = await accounts();
        return listed.includes('default:ready') && listed.includes('second:ready') ? true : undefined;
      },
      30_000,
    );

    // The original status route speaks for the pool: running while any account is.
    const status = await system.api('GET', '/midjourney/status');
    expect(status.body).toMatchObject({ success: true, status: 'running', accounts: { total: 2, running: 2 } });

    const prompt = `a windmill at dusk, through the faults ${Date.now()}`;
    const submit = async (url: string, i: number) => {
      const created = await system.apiAt(url, 'POST', '/v1/midjourney/imagine', {
        prompt: `${prompt} #${i}`,
        options: { mode: 'fast' },
      });
      expect(created.status).toBe(202);
      return created.body.id as string;
    };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await submit(replica.url, i));
    system.replicas[0].app.child.kill('SIGKILL');
    system.extraMidjourney.get('second')!.app.child.kill('SIGKILL');
    await system.cluster!.nodes[1].stop('SIGKILL');
    try {
      for (let i = 4; i < 8; i++) ids.push(await submit(system.gatewayUrl, i));
      await waitFor(
        'the registry to drop the killed account',
        async () => {
          const listed = await accounts();
          return !listed.some((a) => a.startsWith('second:')) && listed.includes('default:ready') ? true : undefined;
        },
        40_000,
      );
      expect((await system.api('GET', '/midjourney/status')).body).toMatchObject({ status: 'running' });
      await system.startMidjourneyAccount('second');
      await waitFor(
        'the returned account in the registry',
        async () => ((await accounts()).includes('second:ready') ? true : undefined),
        30_000,
      );
      const jobs = await Promise.all(ids.map((id) => system.waitForJob(id, ended, 180_000)));
      expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
      for (let i = 0; i < 8; i++) expect(await submissions(`${prompt} #${i}`)).toBe(1);
    } finally {
      await system.cluster!.nodes[1].start();
    }
  }, 240_000);
});
