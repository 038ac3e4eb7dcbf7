import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@app/contracts';
import { startSupabaseStandIn, type StandIn } from '../../../../test/integration/supabase-stand-in.js';
import { readUrlColumn } from './product-design.sync.js';
import { SupabaseProductDesignSync } from './supabase-product-design.sync.js';

// The supabase-js path of the product_design sync, over HTTP against a local stand-in of PostgREST.
describe('SupabaseProductDesignSync', () => {
  let standIn: StandIn;
  let sync: SupabaseProductDesignSync;
  const ideaId = '6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b';

  const job = (over: Partial<Job>): Job => ({
    id: '0b8f7a66-1d2c-4e3f-8a9b-0c1d2e3f4a5b',
    provider: 'midjourney',
    operation: 'imagine',
    status: 'pending',
    progress: 0,
    input: { prompt: 'x' },
    result: null,
    error: null,
    ideaId,
    apiKeyId: null,
    idempotencyKey: null,
    webhookUrl: null,
    deadlineAt: '2026-11-23T01:00:00.000Z',
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    startedAt: null,
    completedAt: null,
    ...over,
  });

  beforeAll(async () => {
    standIn = await startSupabaseStandIn();
    sync = new SupabaseProductDesignSync(standIn.url, standIn.serviceRoleKey);
  });
  afterAll(() => standIn.close());

  it('follows the job from pending to completed on the row', async () => {
    standIn.rows.set(ideaId, { id: ideaId, job_status: null, generated_designs_url: null, untouched: 'keep me' });
    await sync.sync(job({}));
    const row = standIn.rows.get(ideaId)!;
    expect(row).toMatchObject({
      job_status: 'pending',
      job_id: '0b8f7a66-1d2c-4e3f-8a9b-0c1d2e3f4a5b',
      job_created_at: '2026-11-23T00:00:00.000Z',
      error_message: null,
      untouched: 'keep me',
    });
    expect(Date.parse(String(row.job_updated_at))).not.toBeNaN();

    const images = [0, 1].map((i) => ({
      index: i,
      url: `https://files.example/${i}.png`,
      bucket: 'b',
      path: `${i}.png`,
      contentType: 'image/png',
      size: 1,
    }));
    await sync.sync(job({ status: 'completed', progress: 100, result: { images } }));
    expect(row.job_status).toBe('completed');
    expect(typeof row.generated_designs_url).toBe('string'); // the original's JSON-encoded string
    expect(readUrlColumn(row.generated_designs_url)).toEqual([
      'https://files.example/0.png',
      'https://files.example/1.png',
    ]);
    expect(row.job_created_at).toBe('2026-11-23T00:00:00.000Z');

    const patch = standIn.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.path).toBe(`/rest/v1/product_design?id=eq.${ideaId}`);
  });

  it('shows a canceled job as failed with a reason (the column knows no canceled)', async () => {
    standIn.rows.set(ideaId, { id: ideaId });
    await sync.sync(job({ status: 'canceled', error: { code: 'CANCELED', message: 'Canceled by the client' } }));
    expect(standIn.rows.get(ideaId)).toMatchObject({ job_status: 'failed', error_message: 'Canceled' });
  });

  it('does nothing for a job without an idea id', async () => {
    const before = standIn.requests.length;
    await sync.sync(job({ ideaId: null }));
    expect(standIn.requests.length).toBe(before);
  });

  it('reports a refused update as an error', async () => {
    const wrong = new SupabaseProductDesignSync(standIn.url, 'wrong-key');
    await expect(wrong.sync(job({}))).rejects.toThrow(/product_design update failed: Invalid API key/);
  });
});
