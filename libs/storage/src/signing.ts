import { createHmac, timingSafeEqual } from 'node:crypto';

/** Capability signature of a stored object's location: whoever has the URL may read that one file. */
export function signObjectPath(secret: string, bucket: string, path: string): string {
  return createHmac('sha256', secret).update(`${bucket}/${path}`).digest('hex');
}

export function verifyObjectSignature(secret: string, bucket: string, path: string, sig: string | undefined): boolean {
  if (!sig || !/^[0-9a-f]{64}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(signObjectPath(secret, bucket, path), 'hex'), Buffer.from(sig, 'hex'));
}

/** Rejects traversal and odd names before a path reaches a file system or a bucket. */
export function assertSafeObjectPath(bucket: string, path: string): void {
  const bad = (value: string) =>
    !value ||
    value.includes('\0') ||
    value.startsWith('/') ||
    value.includes('\\') ||
    value.split('/').some((s) => s === '..' || s === '.' || s === '');
  if (bad(bucket) || bucket.includes('/')) throw new Error(`Unsafe bucket name: ${JSON.stringify(bucket)}`);
  if (bad(path)) throw new Error(`Unsafe object path: ${JSON.stringify(path)}`);
}
