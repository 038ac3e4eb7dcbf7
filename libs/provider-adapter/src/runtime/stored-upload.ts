import { ProviderException } from '@app/contracts';
import type { ObjectStorage } from '@app/storage';
import { backoffMs } from './pacing.js';

/** Reads of an image the gateway stored, before a storage outage fails the job (backoff 0.5 s … 5 s: ~22 s). */
export const STORED_UPLOAD_READS = 8;

/**
 * Reads back an image the gateway stored from a request body, before anything reaches the provider. A storage
 * outage is ours, not the provider's answer, and nothing was submitted yet: it is waited out with backoff until
 * `signal` ends (then STORAGE_ERROR); an object that is gone is UPLOAD_FAILED.
 */
export async function readStoredUpload(
  storage: ObjectStorage,
  upload: { bucket: string; path: string },
  signal: AbortSignal,
  warn: (message: string) => void,
): Promise<{ bytes: Buffer; contentType: string }> {
  for (let attempt = 1; ; attempt++) {
    let object: { bytes: Buffer; contentType: string } | null;
    try {
      object = await storage.get(upload.bucket, upload.path);
    } catch (error) {
      if (signal.aborted || attempt >= STORED_UPLOAD_READS) {
        throw new ProviderException(
          'STORAGE_ERROR',
          `Reading the uploaded image ${upload.path} failed: ${String(error)}`,
        );
      }
      warn(`reading the uploaded image ${upload.path} failed (attempt ${attempt}): ${String(error)}`);
      await pause(backoffMs(attempt, 500, 5_000), signal);
      continue;
    }
    if (!object) throw new ProviderException('UPLOAD_FAILED', `The uploaded image ${upload.path} is no longer stored`);
    return object;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
