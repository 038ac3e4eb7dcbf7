import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectStorage } from '@app/storage';
import { ProviderException } from '@app/contracts';
import { strictMock } from '../../../../test/strict-mock.js';
import { readStoredUpload, STORED_UPLOAD_READS } from './stored-upload.js';

const upload = { bucket: 'uploads', path: 'a.png' };
const png = { bytes: Buffer.from('png'), contentType: 'image/png' };
const storageWith = (get: ObjectStorage['get']) => strictMock<ObjectStorage>('storage', { get });
const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ProviderException ? e.code : String(e)),
  );

afterEach(() => vi.useRealTimers());

describe(readStoredUpload.name, () => {
  it('answers the stored object, and UPLOAD_FAILED when it is gone', async () => {
    const signal = new AbortController().signal;
    expect(
      await readStoredUpload(
        storageWith(() => Promise.resolve(png)),
        upload,
        signal,
        () => {},
      ),
    ).toBe(png);
    expect(
      await code(
        readStoredUpload(
          storageWith(() => Promise.resolve(null)),
          upload,
          signal,
          () => {},
        ),
      ),
    ).toBe('UPLOAD_FAILED');
  });

  it('waits out a storage outage with backoff, warning each failed read', async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    let reads = 0;
    const storage = storageWith(() => (++reads < 4 ? Promise.reject(new Error('ECONNRESET')) : Promise.resolve(png)));
    const read = readStoredUpload(storage, upload, new AbortController().signal, warn);
    await vi.advanceTimersByTimeAsync(0.5e3 + 1e3 + 2e3);
    expect(await read).toBe(png);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('gives up with STORAGE_ERROR (ours, not the provider’s) when the signal ends or the reads run out', async () => {
    vi.useFakeTimers();
    const down = storageWith(() => Promise.reject(new Error('ECONNREFUSED')));
    const stop = new AbortController();
    const aborted = code(readStoredUpload(down, upload, stop.signal, () => stop.abort()));
    await vi.advanceTimersByTimeAsync(0);
    expect(await aborted).toBe('STORAGE_ERROR');

    let reads = 0;
    const counted = storageWith(() => (reads++, Promise.reject(new Error('ECONNREFUSED'))));
    const exhausted = code(readStoredUpload(counted, upload, new AbortController().signal, () => {}));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await exhausted).toBe('STORAGE_ERROR');
    expect(reads).toBe(STORED_UPLOAD_READS);
  });
});
