import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCT_DESIGN_TABLE } from '../product-design-table.js';
import { TestSystem } from '../system.js';
import { startImageServer } from './image-server.js';

// Remix with idea_id on Postgres: the client's product_design row follows the job and its URLs merge into
// remixed_designs_url (the original's JSON-encoded string, de-duplicated). The worker takes its Bearer token from a
// token source URL here (IDEOGRAM_TOKEN_URL), cached until shortly before it expires.
const ended = (j: any) => ['completed', 'failed', 'timeout', 'canceled'].includes(j.status);

describe('Ideogram remix with product_design sync on Postgres', () => {
  let system: TestSystem;
  let db: pg.Client;
  let images: { server: Server; url: string };
  let tokenSource: Server;
  let tokenRequests = 0;

  beforeAll(async () => {
    images = await startImageServer();
    // The token source stands in front of the simulator's (its URL is known only once the simulator runs).
    tokenSource = createServer((_req, res) => {
      tokenRequests++;
      void fetch(`${system.sim.ideogram.app}/__token/default`)
        .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
        .catch(() => res.writeHead(502).end());
    });
    await new Promise<void>((r) => tokenSource.listen(0, '127.0.0.1', r));
    const address = tokenSource.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    system = new TestSystem({
      database: 'postgres',
      simSpeed: 0.05,
      postgresSetup: PRODUCT_DESIGN_TABLE,
      workers: ['ideogram'],
      envOf: { ideogram: { IDEOGRAM_TOKEN_URL: `http://127.0.0.1:${port}/token` } },
    });
    await system.start();
    await system.admin('POST', '/__admin/ideogram/config', { requireBearer: true });
    db = new pg.Client({ connectionString: system.db!.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await system?.stop();
    images?.server.close();
    tokenSource?.close();
  });

  const row = async (id: string) => (await db.query('SELECT * FROM product_design WHERE id = $1', [id])).rows[0];

  it('follows the job on the row and merges the URLs into remixed_designs_url', async () => {
    const ideaId = randomUUID();
    const earlier = 'https://files.example/earlier-remix.png';
    await db.query('INSERT INTO product_design (id, prompt, remixed_designs_url) VALUES ($1, $2, to_jsonb($3::text))', [
      ideaId,
      'mug design',
      JSON.stringify([earlier]),
    ]);
    const res = await system.api('POST', '/api/remix', {
      imageUrl: `${images.url}/mug.png`,
      idea_id: ideaId,
      num_images: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const pending = await row(ideaId);
    expect(pending.job_id).toBe(res.body.jobId); // set when the job starts, as the original did
    expect(['pending', 'processing', 'completed']).toContain(pending.job_status);
    expect(pending.job_created_at).not.toBeNull();

    const job = await system.waitForJob(res.body.jobId, ended, 90_000);
    expect(job.status).toBe('completed');
    expect(job.idea_id).toBe(ideaId);
    const done = await row(ideaId);
    expect(done.job_status).toBe('completed');
    expect(done.error_message).toBeNull();
    expect(typeof done.remixed_designs_url).toBe('string'); // the original's JSON-encoded string inside jsonb
    const urls = job.result.images.map((i: any) => i.url);
    expect(JSON.parse(done.remixed_designs_url)).toEqual([earlier, ...urls]);
    expect(done.generated_designs_url).toBeNull(); // Midjourney's column is left alone

    const legacy = await system.api('GET', `/api/job/${res.body.jobId}`);
    expect(legacy.body).toMatchObject({ isComplete: true, images: urls });

    // A second remix of the same idea adds its URLs after the earlier ones, each once.
    const second = await system.api('POST', '/api/remix', { imageUrl: `${images.url}/mug2.png`, idea_id: ideaId });
    const secondJob = await system.waitForJob(second.body.jobId, ended, 90_000);
    const merged = JSON.parse((await row(ideaId)).remixed_designs_url);
    expect(merged).toEqual([earlier, ...urls, secondJob.result.images[0].url]);
    expect((await row(ideaId)).job_id).toBe(second.body.jobId);
  });

  it('shows a failed job on the row with its reason', async () => {
    const ideaId = randomUUID();
    await db.query('INSERT INTO product_design (id) VALUES ($1)', [ideaId]);
    const created = await system.api('POST', '/v1/ideogram/remix', {
      image_url: `${images.url}/x.png`,
      prompt: 'a broken render [[error]]',
      prompt_source: 'MANUAL',
      idea_id: ideaId,
    });
    const job = await system.waitForJob(created.body.id, ended, 90_000);
    expect(job.status).toBe('failed');
    const failed = await row(ideaId);
    expect(failed.job_status).toBe('failed');
    expect(failed.error_message).toBe('Something went wrong while generating');
  });

  it('took every Bearer from the token source, fetched once and cached', async () => {
    const stats = (await system.admin('GET', '/__admin/stats')).ideogram;
    expect(stats.rejectedTokens).toBe(0);
    expect(tokenRequests).toBeGreaterThanOrEqual(1);
    expect(tokenRequests).toBeLessThanOrEqual(2);
    expect(stats.tokenSourceRequests).toBe(tokenRequests);
    expect(stats.requests.status).toBeGreaterThan(tokenRequests); // many calls, one token
  });
});
