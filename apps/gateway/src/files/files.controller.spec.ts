import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStorage, ObjectStorage, StorageConfig, signObjectPath } from '@app/storage';
import { KEYS, wiringApp } from '../../../../test/gateway-wiring.js';
import { FilesConfig } from './files.config.js';
import { FilesController } from './files.controller.js';

// /files/ through the real guard, pipe and filter over a real local store: signed URLs for anyone, unsigned reads
// only for keys scoped for the bucket's provider.
const SECRET = 'files-secret';
let dir: string;
let app: NestFastifyApplication;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'files-spec-'));
  for (const bucket of ['product-designs', 'product-ideas', 'other']) {
    await mkdir(join(dir, bucket), { recursive: true });
    await writeFile(join(dir, bucket, 'a.png'), 'png');
  }
  const storage = Object.assign(new StorageConfig(), { localDir: dir, signingSecret: SECRET });
  app = await wiringApp(
    [FilesController],
    [
      { provide: StorageConfig, useValue: storage },
      { provide: ObjectStorage, useValue: new LocalObjectStorage(storage) },
      {
        provide: FilesConfig,
        useValue: FilesConfig.fromBuckets([
          ['midjourney', 'product-designs'],
          ['ideogram', 'product-ideas'],
        ]),
      },
    ],
  );
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string, key?: string) => app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

describe('GET /files/:bucket/*', () => {
  it('serves an unsigned read only to keys scoped for the bucket’s provider, or *', async () => {
    expect((await get('/files/product-designs/a.png', KEYS.midjourney)).statusCode).toBe(200);
    expect((await get('/files/product-designs/a.png', KEYS.all)).statusCode).toBe(200);
    const refused = await get('/files/product-designs/a.png', KEYS.ideogram);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN_SCOPE');
    expect((await get('/files/product-ideas/a.png', KEYS.ideogram)).statusCode).toBe(200);
    // A bucket no provider owns: only `*`.
    expect((await get('/files/other/a.png', KEYS.midjourney)).statusCode).toBe(403);
    expect((await get('/files/other/a.png', KEYS.all)).statusCode).toBe(200);
    expect((await get('/files/product-designs/a.png')).statusCode).toBe(401);
  });

  it('serves a signed URL to anyone: it stays shareable', async () => {
    const sig = signObjectPath(SECRET, 'product-designs', 'a.png');
    const res = await get(`/files/product-designs/a.png?sig=${sig}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('png');
    expect((await get(`/files/product-ideas/a.png?sig=${sig}`)).statusCode).toBe(401); // the signature is per file
  });
});
