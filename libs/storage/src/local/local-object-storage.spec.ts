import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageConfig } from '../object-storage.js';
import { verifyObjectSignature } from '../signing.js';
import { contentTypeOf, LocalObjectStorage } from './local-object-storage.js';

describe('LocalObjectStorage', () => {
  let dir: string;
  let storage: LocalObjectStorage;
  const config = (secret?: string) =>
    Object.assign(new StorageConfig(), {
      localDir: dir,
      publicBaseUrl: 'http://gw.test/files/',
      signingSecret: secret,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-spec-'));
    storage = new LocalObjectStorage(config('s3cret'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the file under bucket/path and returns a signed public URL', async () => {
    const stored = await storage.put('product-designs', 'product_design/x/generated 1.png', Buffer.from('png!'), {
      contentType: 'image/png',
    });
    expect(stored).toMatchObject({
      bucket: 'product-designs',
      path: 'product_design/x/generated 1.png',
      size: 4,
      contentType: 'image/png',
    });
    expect(await readFile(join(dir, 'product-designs', 'product_design', 'x', 'generated 1.png'), 'utf8')).toBe('png!');
    const url = new URL(stored.url);
    expect(url.origin + url.pathname).toBe('http://gw.test/files/product-designs/product_design/x/generated%201.png');
    expect(
      verifyObjectSignature(
        's3cret',
        'product-designs',
        'product_design/x/generated 1.png',
        url.searchParams.get('sig') ?? undefined,
      ),
    ).toBe(true);
  });

  it('leaves no temporary files behind', async () => {
    await storage.put('b', 'f.png', Buffer.from('1'), { contentType: 'image/png' });
    expect(await readdir(join(dir, 'b'))).toEqual(['f.png']);
  });

  it('treats the same bytes written twice as success and different bytes as a conflict', async () => {
    await storage.put('b', 'f.png', Buffer.from('same'), { contentType: 'image/png' });
    await expect(storage.put('b', 'f.png', Buffer.from('same'), { contentType: 'image/png' })).resolves.toMatchObject({
      size: 4,
    });
    await expect(storage.put('b', 'f.png', Buffer.from('different'), { contentType: 'image/png' })).rejects.toThrow(
      /already exists/,
    );
    await expect(
      storage.put('b', 'f.png', Buffer.from('different'), { contentType: 'image/png', upsert: true }),
    ).resolves.toMatchObject({ size: 9 });
    expect((await storage.get('b', 'f.png'))?.bytes.toString()).toBe('different');
  });

  it('reads back with a content type from the name, and null when absent', async () => {
    await storage.put('b', 'v/clip.mp4', Buffer.from('mp4'), { contentType: 'video/mp4' });
    expect(await storage.get('b', 'v/clip.mp4')).toEqual({ bytes: Buffer.from('mp4'), contentType: 'video/mp4' });
    expect(await storage.get('b', 'v/none.mp4')).toBeNull();
    expect(await storage.get('b', 'v')).toBeNull(); // a directory is not an object
  });

  it('refuses traversal on every entry point', async () => {
    await expect(storage.put('b', '../escape.png', Buffer.from('x'), { contentType: 'image/png' })).rejects.toThrow(
      /Unsafe/,
    );
    await expect(storage.get('..', 'x')).rejects.toThrow(/Unsafe/);
    expect(storage.filePath('b', '../../etc/passwd')).toBeNull();
    expect(storage.filePath('b', 'ok.png')).toBe(join(dir, 'b', 'ok.png'));
  });

  it('serves unsigned URLs when no secret is configured', () => {
    expect(new LocalObjectStorage(config()).publicUrl('b', 'a.png')).toBe('http://gw.test/files/b/a.png');
  });

  it('pings a writable root', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});

describe('contentTypeOf', () => {
  it('maps known extensions case-insensitively and falls back to octet-stream', () => {
    expect(contentTypeOf('a/B.PNG')).toBe('image/png');
    expect(contentTypeOf('x.jpeg')).toBe('image/jpeg');
    expect(contentTypeOf('x.webm')).toBe('video/webm');
    expect(contentTypeOf('x.bin')).toBe('application/octet-stream');
  });
});
