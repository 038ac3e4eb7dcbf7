import { describe, expect, it } from 'vitest';
import type { ObjectStorage } from '@app/storage';
import { strictMock } from '../../../../test/strict-mock.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { decodeImage, storeImage } from './image-upload.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(8)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);

const refusal = (run: () => unknown): GatewayException => {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayException) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe(decodeImage.name, () => {
  it('takes bare base64 (also URL-safe, with line breaks) and data: URLs, typed by the bytes', () => {
    expect(decodeImage(WEBP.toString('base64'), undefined, 100, 'x').contentType).toBe('image/webp');
    const wrapped = PNG.toString('base64').replace(/(.{8})/g, '$1\n');
    expect(decodeImage(wrapped, undefined, 100, 'x').bytes.equals(PNG)).toBe(true);
    expect(decodeImage(PNG.toString('base64url'), undefined, 100, 'x').bytes.equals(PNG)).toBe(true);
    const decoded = decodeImage(`  data:image/png;base64,${PNG.toString('base64')}  `, undefined, 100, 'x');
    expect(decoded.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an oversized body by its length, before decoding it', () => {
    const error = refusal(() => decodeImage('A'.repeat(4000), undefined, 1000, 'base64Array[2]'));
    expect([error.code, error.message]).toEqual([
      'PAYLOAD_TOO_LARGE',
      'base64Array[2]: the image is larger than 1000 bytes',
    ]);
  });
});

describe(storeImage.name, () => {
  it('stores under the sha256 with the sniffed type (upsert: a resend is the same object)', async () => {
    const storage = strictMock<ObjectStorage>('ObjectStorage', {
      put: (bucket, path, bytes, options) =>
        Promise.resolve({ bucket, path, url: '', size: bytes.length, contentType: options.contentType }),
    });
    const image = decodeImage(PNG.toString('base64'), undefined, 100, 'x');
    const stored = await storeImage(storage, 'uploads-bucket', image);
    expect(stored).toEqual({ bucket: 'uploads-bucket', path: `uploads/${image.sha256}.png`, contentType: 'image/png' });
    expect(storage.put).toHaveBeenCalledWith('uploads-bucket', stored.path, image.bytes, {
      contentType: 'image/png',
      upsert: true,
    });
  });

  it('answers STORAGE_ERROR when storage fails', async () => {
    const storage = strictMock<ObjectStorage>('ObjectStorage', { put: () => Promise.reject(new Error('EIO')) });
    const image = decodeImage(PNG.toString('base64'), undefined, 100, 'x');
    await expect(storeImage(storage, 'b', image)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });
});
