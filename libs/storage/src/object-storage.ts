export class StorageConfig {
  driver: 'local' | 'supabase' = 'local';
  /** Local driver: root directory; files go to `<dir>/<bucket>/<path>`. */
  localDir: string = './data/files';
  /** Local driver: public base URL the gateway serves `/files/` under, e.g. http://localhost:3000/files. */
  publicBaseUrl: string = 'http://localhost:3000/files';
  /** Local driver: when set, public URLs carry `?sig=` (HMAC) and the gateway serves them without an API key. */
  signingSecret?: string;
  supabaseUrl?: string;
  supabaseServiceRoleKey?: string;
}

export interface PutOptions {
  contentType: string;
  /** Original writes with upsert:false; re-delivery of the same object is treated as success. */
  upsert?: boolean;
}

export interface StoredObject {
  bucket: string;
  path: string;
  url: string;
  size: number;
  contentType: string;
}

/** The storage port: local directory or Supabase Storage, bound by StorageModule.forRoot(config). */
export abstract class ObjectStorage {
  abstract put(bucket: string, path: string, bytes: Buffer, options: PutOptions): Promise<StoredObject>;
  abstract publicUrl(bucket: string, path: string): string;
  /** Reads an object back (tests, the gateway's file route on local storage). Null when absent. */
  abstract get(bucket: string, path: string): Promise<{ bytes: Buffer; contentType: string } | null>;
  /** Cheap reachability check for readiness probes. */
  abstract ping(): Promise<void>;
}
