import { describe, expect, it } from 'vitest';
import { solidWebp, webpSize } from './webp.js';

// Container and header layout; that browsers decode these bytes is checked against Chromium in webp.int-spec.ts.
describe('solidWebp', () => {
  it('writes a RIFF/WEBP container with one VP8L chunk of even size and consistent lengths', () => {
    const webp = solidWebp(1024, 768, [10, 20, 30]);
    expect(webp.toString('ascii', 0, 4)).toBe('RIFF');
    expect(webp.readUInt32LE(4)).toBe(webp.length - 8);
    expect(webp.toString('ascii', 8, 16)).toBe('WEBPVP8L');
    const chunkSize = webp.readUInt32LE(16);
    expect(20 + chunkSize + (chunkSize % 2)).toBe(webp.length);
    expect(webp[20]).toBe(0x2f);
  });

  it.each([
    [1, 1],
    [384, 288],
    [2048, 2048],
    [16_384, 3],
  ])('encodes %ix%i in the 14-bit header fields', (width, height) => {
    expect(webpSize(solidWebp(width, height, [0, 0, 0]))).toEqual({ width, height });
  });

  it('differs by colour and stays tiny at any size', () => {
    const a = solidWebp(640, 640, [1, 2, 3]);
    const b = solidWebp(640, 640, [3, 2, 1]);
    expect(a.equals(b)).toBe(false);
    expect(solidWebp(4000, 4000, [1, 2, 3]).length).toBeLessThan(64);
  });

  it('refuses sizes VP8L cannot describe', () => {
    expect(() => solidWebp(0, 10, [0, 0, 0])).toThrow(RangeError);
    expect(() => solidWebp(16_385, 10, [0, 0, 0])).toThrow(RangeError);
  });

  it('reads no size from other files', () => {
    expect(webpSize(Buffer.from('\x89PNG\r\n\x1a\n0000000000000000000000', 'binary'))).toBeNull();
  });
});
