import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobEvents } from '../sse.js';
import { TestSystem, waitFor } from '../system.js';

// Scale out on one machine: a 3-node JetStream cluster (streams and buckets at 3 replicas), two gateways on one
// Postgres, a Midjourney worker. Every gateway sees every job change whichever one consumed the event; then one NATS
// node and one gateway are killed (-9) and work goes on: nothing lost, nothing submitted twice.
describe('Scale out: gateway replicas on a JetStream cluster', () => {
  const system = new TestSystem({ database: 'postgres', databasePrefix: 'gw_scale', natsCluster: true, simSpeed: 0.1 });
  let replica: { url: string };
  const ended = (j: any) => !['pending', 'processing'].includes(j.status);
  const submissions = async (prompt: string) =>
    (await system.admin('GET', '/__admin/stats')).midjourney.jobs.filter((j: any) => String(j.prompt).includes(prompt))
      .length;

  beforeAll(async () => {
    await system.start();
    replica = await system.startGatewayReplica();
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

  it('keeps working when a NATS node and a gateway are killed: every job ends once, on the survivors', async () => {
    const prompt = `a windmill at dusk, through the faults ${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await system.apiAt(replica.url, 'POST', '/v1/midjourney/imagine', {
        prompt: `${prompt} #${i}`,
        options: { mode: 'fast' },
      });
      expect(created.status).toBe(202);
      ids.push(created.body.id);
    }
    system.replicas[0].app.child.kill('SIGKILL');
    await system.cluster!.nodes[1].stop('SIGKILL');
    try {
      for (let i = 3; i < 6; i++) {
        const created = await system.api('POST', '/v1/midjourney/imagine', {
          prompt: `${prompt} #${i}`,
          options: { mode: 'fast' },
        });
        expect(created.status).toBe(202);
        ids.push(created.body.id);
      }
      const jobs = await Promise.all(ids.map((id) => system.waitForJob(id, ended, 150_000)));
      expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
      for (let i = 0; i < 6; i++) expect(await submissions(`${prompt} #${i}`)).toBe(1);
    } finally {
      await system.cluster!.nodes[1].start();
    }
  }, 240_000);
});
