import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';

// The n8n flow: POST /midjourney/genimage with design_id, then read product_design until completed.
const PRODUCT_DESIGN = `
CREATE TABLE product_design (
  id uuid PRIMARY KEY,
  user_id uuid,
  prompt text,
  original_image_url text,
  job_id text UNIQUE,
  job_status text CHECK (job_status IN ('pending','processing','completed','failed','timeout')),
  job_created_at timestamptz,
  job_updated_at timestamptz,
  generated_designs_url jsonb,
  remixed_designs_url jsonb,
  error_message text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);`;

describe('original routes with product_design sync on Postgres', () => {
  const system = new TestSystem({ database: 'postgres', simSpeed: 0.03, postgresSetup: PRODUCT_DESIGN });
  let db: pg.Client;

  beforeAll(async () => {
    await system.start();
    db = new pg.Client({ connectionString: system.db!.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await system.stop();
  });

  it('keeps the n8n genimage flow working and the row in step with the job', async () => {
    const ideaId = randomUUID();
    await db.query('INSERT INTO product_design (id, prompt) VALUES ($1, $2)', [ideaId, 'mug design']);
    const res = await system.api('POST', '/midjourney/genimage', {
      prompt: 'a minimalist mug design',
      url_image: '',
      design_id: ideaId,
      options: { chaos: 0, ar: '2:3', stylize: 100, weird: 0, mode: 'relaxed' },
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.mode).toBe('database');

    const job = await system.waitForJob(res.body.jobId, (j) => j.status === 'completed', 90_000);
    expect(job.idea_id).toBe(ideaId);
    const { rows } = await db.query('SELECT * FROM product_design WHERE id = $1', [ideaId]);
    expect(rows[0].job_status).toBe('completed');
    expect(rows[0].job_id).toBe(res.body.jobId);
    expect(rows[0].job_updated_at).not.toBeNull();
    // The original wrote a JSON-encoded string of the URL array into the jsonb column.
    expect(typeof rows[0].generated_designs_url).toBe('string');
    const urls = JSON.parse(rows[0].generated_designs_url);
    expect(urls).toEqual(job.result.images.map((i: any) => i.url));
    expect(urls).toHaveLength(4);
  });

  it('streams the image through proxy-image only for the CDN host', async () => {
    const forbidden = await system.api(
      'GET',
      `/midjourney/proxy-image?url=${encodeURIComponent('https://example.com/x.png')}`,
    );
    expect(forbidden.status).toBe(403);
    const large = `${system.sim.midjourney.cdn}/__fixtures/large.png?mb=3`;
    const res = await fetch(`${system.gatewayUrl}/midjourney/proxy-image?url=${encodeURIComponent(large)}`, {
      headers: { 'x-api-key': system.apiKey },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(3 * 1024 * 1024 - 1024);
  });
});
