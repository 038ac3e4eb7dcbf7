import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { ObjectStorage, StorageConfig, type PutOptions, type StoredObject } from '../object-storage.js';
import { assertSafeObjectPath, signObjectPath } from '../signing.js';

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.json': 'application/json',
};

export function contentTypeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Files under `<localDir>/<bucket>/<path>`, served by the gateway under `/files/`. */
@Injectable()
export class LocalObjectStorage extends ObjectStorage {
  private readonly root: string;

  constructor(private readonly config: StorageConfig) {
    super();
    this.root = resolve(config.localDir);
  }

  private fileOf(bucket: string, path: string): string {
    assertSafeObjectPath(bucket, path);
    return join(this.root, bucket, path);
  }

  async put(bucket: string, path: string, bytes: Buffer, options: PutOptions): Promise<StoredObject> {
    const file = this.fileOf(bucket, path);
    if (!options.upsert) {
      const existing = await readFile(file).catch(() => null);
      // A re-delivered job writes the same bytes again: that is success, not a conflict.
      if (existing && !existing.equals(bytes)) throw new Error(`Object already exists: ${bucket}/${path}`);
      if (existing) return this.describe(bucket, path, bytes.length, options.contentType);
    }
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, file); // atomic: readers never see half a file
    return this.describe(bucket, path, bytes.length, options.contentType);
  }

  private describe(bucket: string, path: string, size: number, contentType: string): StoredObject {
    return { bucket, path, size, contentType, url: this.publicUrl(bucket, path) };
  }

  publicUrl(bucket: string, path: string): string {
    const encoded = [bucket, ...path.split('/')].map(encodeURIComponent).join('/');
    const base = `${this.config.publicBaseUrl.replace(/\/$/, '')}/${encoded}`;
    return this.config.signingSecret ? `${base}?sig=${signObjectPath(this.config.signingSecret, bucket, path)}` : base;
  }

  async get(bucket: string, path: string): Promise<{ bytes: Buffer; contentType: string } | null> {
    const file = this.fileOf(bucket, path);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return null;
    return { bytes: await readFile(file), contentType: contentTypeOf(path) };
  }

  /** Absolute file path of an object (for streaming by the gateway); null when unsafe. */
  filePath(bucket: string, path: string): string | null {
    try {
      return this.fileOf(bucket, path);
    } catch {
      return null;
    }
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }
}
