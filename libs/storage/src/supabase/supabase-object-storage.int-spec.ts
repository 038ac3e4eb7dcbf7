import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupabaseStandIn, type StandIn } from '../../../../test/integration/supabase-stand-in.js';
import { StorageConfig } from '../object-storage.js';
import { SupabaseObjectStorage } from './supabase-object-storage.js';

// supabase-js itself, over HTTP, against a local stand-in of Supabase Storage's endpoints.
describe('SupabaseObjectStorage', () => {
  let standIn: StandIn;
  let storage: SupabaseObjectStorage;
  const config = (key: string) =>
    Object.assign(new StorageConfig(), { driver: 'supabase', supabaseUrl: standIn.url, supabaseServiceRoleKey: key });

  beforeAll(async () => {
    standIn = await startSupabaseStandIn();
    storage = new SupabaseObjectStorage(config(standIn.serviceRoleKey));
  });
  afterAll(() => standIn.close());

  it('uploads without upsert, as the original, and returns the public URL', async () => {
    const stored = await storage.put(
      'product-designs',
      'product_design/abc/generated_1_0.png',
      Buffer.from('png-bytes'),
      { contentType: 'image/png' },
    );
    expect(stored.url).toBe(
      `${standIn.url}/storage/v1/object/public/product-designs/product_design/abc/generated_1_0.png`,
    );
    const upload = standIn.requests.find((r) => r.method === 'POST');
    expect(upload?.headers['x-upsert']).toBe('false');
    expect(upload?.headers['content-type']).toBe('image/png');
    expect(standIn.objects.get('product-designs/product_design/abc/generated_1_0.png')?.bytes.toString()).toBe(
      'png-bytes',
    );
    const res = await fetch(stored.url);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('png-bytes');
  });

  it('counts a re-delivered upload of an existing object as success', async () => {
    await storage.put('product-designs', 'again.png', Buffer.from('1'), { contentType: 'image/png' });
    await expect(
      storage.put('product-designs', 'again.png', Buffer.from('1'), { contentType: 'image/png' }),
    ).resolves.toMatchObject({ path: 'again.png' });
    expect(standIn.objects.get('product-designs/again.png')?.upserts).toBe(0);
  });

  it('reads objects back, and null when absent', async () => {
    await storage.put('product-designs', 'r/x.png', Buffer.from('xyz'), { contentType: 'image/png' });
    const got = await storage.get('product-designs', 'r/x.png');
    expect(got?.bytes.toString()).toBe('xyz');
    expect(await storage.get('product-designs', 'r/none.png')).toBeNull();
  });

  it('pings with the service key and fails clearly with a wrong one', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
    await expect(new SupabaseObjectStorage(config('wrong')).ping()).rejects.toThrow(/unreachable: Invalid API key/);
    await expect(
      new SupabaseObjectStorage(config('wrong')).put('product-designs', 'y.png', Buffer.from('1'), {
        contentType: 'image/png',
      }),
    ).rejects.toThrow(/upload product-designs\/y.png failed/);
  });

  it('refuses traversal before any request', async () => {
    const before = standIn.requests.length;
    await expect(
      storage.put('product-designs', '../x.png', Buffer.from('1'), { contentType: 'image/png' }),
    ).rejects.toThrow(/Unsafe/);
    expect(standIn.requests.length).toBe(before);
  });

  it('needs a URL and a key', () => {
    expect(() => new SupabaseObjectStorage(new StorageConfig())).toThrow(/SUPABASE_URL/);
  });
});
