import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { colourOf, fakeMp4, noisePng, solidPng } from './png.js';

/** Independent reader: checks every chunk's CRC and returns the header and the decompressed scanlines. */
function decode(png: Buffer) {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  let offset = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length), 'chunk CRC').toBe(crc(typeAndData));
    chunks.push({ type: typeAndData.subarray(0, 4).toString('ascii'), data: typeAndData.subarray(4) });
    offset += 12 + length;
  }
  expect(chunks.map((c) => c.type)[0]).toBe('IHDR');
  expect(chunks.at(-1)!.type).toBe('IEND');
  const ihdr = chunks[0].data;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), bitDepth: ihdr[8], colourType: ihdr[9], raw };
}

describe('simulator PNGs', () => {
  it('encodes a valid RGB image of the asked size with the asked colour', () => {
    const { width, height, bitDepth, colourType, raw } = decode(solidPng(40, 16, [200, 100, 50]));
    expect({ width, height, bitDepth, colourType }).toEqual({ width: 40, height: 16, bitDepth: 8, colourType: 2 });
    const stride = 1 + width * 3;
    expect(raw.length).toBe(stride * height);
    const pixel = (x: number, y: number) => [...raw.subarray(y * stride + 1 + x * 3, y * stride + 4 + x * 3)];
    expect(pixel(39, 15)).toEqual([200, 100, 50]);
    expect(pixel(0, 0)).toEqual([100, 50, 25]); // the darker band on top
  });

  it('gives different jobs different colours, the same job the same', () => {
    expect(colourOf('job-a')).toEqual(colourOf('job-a'));
    expect(colourOf('job-a')).not.toEqual(colourOf('job-b'));
    expect(solidPng(8, 8, colourOf('job-a')).equals(solidPng(8, 8, colourOf('job-b')))).toBe(false);
  });

  it('makes large incompressible images of about the asked size', () => {
    const png = noisePng(1);
    expect(png.length).toBeGreaterThan(0.9 * 1024 * 1024);
    expect(png.length).toBeLessThan(1.2 * 1024 * 1024);
    expect(decode(png).width).toBeGreaterThan(500);
  });

  it('starts fake videos with an mp4 ftyp box', () => {
    const mp4 = fakeMp4('clip');
    expect(mp4.subarray(4, 8).toString('ascii')).toBe('ftyp');
    expect(mp4.readUInt32BE(0)).toBe(24);
  });
});
