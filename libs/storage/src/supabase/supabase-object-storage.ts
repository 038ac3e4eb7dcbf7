import { Injectable } from '@nestjs/common';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { ObjectStorage, StorageConfig, type PutOptions, type StoredObject } from '../object-storage.js';
import { assertSafeObjectPath } from '../signing.js';

const TIMEOUT_MS = 30_000;

/** Supabase Storage (public buckets, as the original used); every call bounded by a timeout. */
@Injectable()
export class SupabaseObjectStorage extends ObjectStorage {
  private readonly client: ReturnType<typeof createClient>;

  constructor(config: StorageConfig) {
    super();
    if (!config.supabaseUrl || !config.supabaseServiceRoleKey) {
      throw new Error('Supabase storage needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
    }
    this.client = createClient(config.supabaseUrl, config.supabaseServiceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      // supabase-js needs a WebSocket implementation for realtime on Node 20.
      realtime: { transport: WebSocket as never },
      global: {
        fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(TIMEOUT_MS) }),
      },
    });
  }

  async put(bucket: string, path: string, bytes: Buffer, options: PutOptions): Promise<StoredObject> {
    assertSafeObjectPath(bucket, path);
    const { error } = await this.client.storage
      .from(bucket)
      .upload(path, bytes, { contentType: options.contentType, upsert: options.upsert ?? false });
    // upsert:false as the original; a re-delivered upload of the same object counts as success.
    if (error && !/already exists|duplicate/i.test(error.message)) {
      throw new Error(`Supabase upload ${bucket}/${path} failed: ${error.message}`);
    }
    return { bucket, path, size: bytes.length, contentType: options.contentType, url: this.publicUrl(bucket, path) };
  }

  publicUrl(bucket: string, path: string): string {
    return this.client.storage.from(bucket).getPublicUrl(path).data.publicUrl;
  }

  async get(bucket: string, path: string): Promise<{ bytes: Buffer; contentType: string } | null> {
    assertSafeObjectPath(bucket, path);
    const { data, error } = await this.client.storage.from(bucket).download(path);
    if (error || !data) return null;
    return { bytes: Buffer.from(await data.arrayBuffer()), contentType: data.type || 'application/octet-stream' };
  }

  async ping(): Promise<void> {
    const { error } = await this.client.storage.listBuckets();
    if (error) throw new Error(`Supabase storage unreachable: ${error.message}`);
  }
}
