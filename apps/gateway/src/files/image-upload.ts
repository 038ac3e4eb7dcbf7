import { createHash } from 'node:crypto';
import type { ObjectStorage } from '@app/storage';
import { GatewayException } from '../errors/gateway.exception.js';

const SIGNATURES: Array<[string, (b: Buffer) => boolean]> = [
  ['image/png', (b) => b.length > 8 && b.readUInt32BE(0) === 0x89504e47],
  ['image/jpeg', (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  [
    'image/webp',
    (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  ],
];
export const EXTENSION_OF: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

export interface DecodedImage {
  bytes: Buffer;
  contentType: string;
  sha256: string;
}

/**
 * An image from a request body: bare base64 or a base64 data: URL, checked by its bytes (the declared type, if
 * any, must agree). Refusals are INVALID_REQUEST or PAYLOAD_TOO_LARGE naming the field: decided before anything is
 * stored or submitted.
 */
export function decodeImage(data: string, declared: string | undefined, maxBytes: number, field: string): DecodedImage {
  let base64 = data.trim();
  let type = declared;
  const dataUrl = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(base64);
  if (dataUrl) {
    if (!dataUrl[2]) throw new GatewayException('INVALID_REQUEST', `${field}: data URLs must be base64`);
    type ??= dataUrl[1] || undefined;
    base64 = dataUrl[3];
  }
  if (!/^[A-Za-z0-9+/_\s-]*={0,2}\s*$/.test(base64)) {
    throw new GatewayException('INVALID_REQUEST', `${field}: must be base64`);
  }
  // Checked on the text first: a huge body is refused without decoding it (4 characters carry 3 bytes).
  if (Math.floor((base64.replace(/\s/g, '').length * 3) / 4) > maxBytes + 2) {
    throw new GatewayException('PAYLOAD_TOO_LARGE', `${field}: the image is larger than ${maxBytes} bytes`);
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new GatewayException('INVALID_REQUEST', `${field}: the image is empty`);
  if (bytes.length > maxBytes) {
    throw new GatewayException('PAYLOAD_TOO_LARGE', `${field}: the image is larger than ${maxBytes} bytes`);
  }
  const sniffed = SIGNATURES.find(([, test]) => test(bytes))?.[0];
  if (!sniffed) throw new GatewayException('INVALID_REQUEST', `${field}: not a PNG, JPEG, WebP or GIF image`);
  const normalized = type === 'image/jpg' ? 'image/jpeg' : type;
  if (normalized && normalized !== sniffed) {
    throw new GatewayException('INVALID_REQUEST', `${field}: declared ${type} but the bytes are ${sniffed}`);
  }
  return { bytes, contentType: sniffed, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Keeps a decoded image where a worker reads it back: content-addressed (`uploads/<sha256>.<ext>`), so a resent
 * request stores nothing new and its job input (and Idempotency-Key hash) stays the same.
 */
export async function storeImage(
  storage: ObjectStorage,
  bucket: string,
  image: DecodedImage,
): Promise<{ bucket: string; path: string; contentType: string }> {
  const path = `uploads/${image.sha256}.${EXTENSION_OF[image.contentType]}`;
  try {
    await storage.put(bucket, path, image.bytes, { contentType: image.contentType, upsert: true });
  } catch (error) {
    throw new GatewayException('STORAGE_ERROR', `Storing the uploaded image failed: ${String(error)}`);
  }
  return { bucket, path, contentType: image.contentType };
}
