import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCT_DESIGN_TABLE } from '../product-design-table.js';
import { TestSystem } from '../system.js';

// The n8n flow: POST /midjourney/genimage with design_id, then read product_design until completed.
const PRODUCT_DESIGN = `${PRODUCT_DESIGN_TABLE}
-- A row whose every update fails (a client-side trigger gone wrong): the sync of its job can never succeed.
CREATE FUNCTION refuse_locked_rows() RETURNS trigger AS $$
BEGIN
  IF NEW.prompt = 'locked' THEN RAISE EXCEPTION 'product_design row % is locked', NEW.id; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_locked BEFORE UPDATE ON product_design FOR EACH ROW EXECUTE FUNCTION refuse_locked_rows();`;

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

    const job = await system.waitForJob(res.body.gatewayJobId, (j) => j.status === 'completed', 90_000);
    expect(job.idea_id).toBe(ideaId);
    expect(job.result.providerJobId).toBe(res.body.jobId); // the original's jobId: Midjourney's own
    const { rows } = await db.query('SELECT * FROM product_design WHERE id = $1', [ideaId]);
    expect(rows[0].job_status).toBe('completed');
    expect(rows[0].job_id).toBe(res.body.gatewayJobId);
    expect(rows[0].job_updated_at).not.toBeNull();
    // The original wrote a JSON-encoded string of the URL array into the jsonb column.
    expect(typeof rows[0].generated_designs_url).toBe('string');
    const urls = JSON.parse(rows[0].generated_designs_url);
    expect(urls).toEqual(job.result.images.map((i: any) => i.url));
    expect(urls).toHaveLength(4);
  });

  it('does not hold a job’s events forever when its product_design sync keeps failing: the webhook still goes out', async () => {
    const hooks: string[] = [];
    const hookServer: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    try {
      const address = hookServer.address();
      const hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
      const ideaId = randomUUID();
      await db.query('INSERT INTO product_design (id, prompt) VALUES ($1, $2)', [ideaId, 'locked']);
      const created = await system.api('POST', '/v1/midjourney/imagine', {
        prompt: 'a teapot',
        idea_id: ideaId,
        webhook_url: hookUrl,
        options: { mode: 'turbo' },
      });
      expect(created.status).toBe(202);
      const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed', 90_000);
      expect(job.result.images).toHaveLength(4); // the job row is the truth
      // Redelivered with backoff (1, 2, 4, 8 s), then given up on: the webhook behind the event is delivered.
      const until = Date.now() + 60_000;
      while (!hooks.some((h) => h.includes(created.body.id)) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
      }
      const hook = hooks.find((h) => h.includes(created.body.id));
      expect(hook, 'webhook delivered despite the failing sync').toBeDefined();
      expect(JSON.parse(hook!)).toMatchObject({ event: 'job.completed', job: { id: created.body.id } });
      const { rows } = await db.query('SELECT job_status FROM product_design WHERE id = $1', [ideaId]);
      expect(rows[0].job_status).toBeNull(); // the row never took an update
      expect(system.gateway!.output()).toMatch(/product_design sync for .* keeps failing; giving up on this event/);
    } finally {
      hookServer.close();
    }
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
