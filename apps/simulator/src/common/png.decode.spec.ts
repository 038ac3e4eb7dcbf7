import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { colourOf, fakeMp4, noisePng, solidPng } from './png.js';

interface Chunk {
  type: string;
  data: Buffer;
  crc: number;
}

/** Splits a PNG into chunks, checking the signature and that the chunks tile the file exactly. */
function chunksOf(png: Buffer): Chunk[] {
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    chunks.push({
      type,
      data: png.subarray(offset + 8, offset + 8 + length),
      crc: png.readUInt32BE(offset + 8 + length),
    });
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  return chunks;
}

/** Decodes an 8-bit RGB, non-interlaced PNG whose scanlines use filter 0 into rows of [r,g,b] pixels. */
function decode(png: Buffer) {
  const chunks = chunksOf(png);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = 1 + 3 * width;
  const filters = Array.from({ length: height }, (_, y) => raw[y * stride]);
  const pixel = (x: number, y: number) => [...raw.subarray(y * stride + 1 + 3 * x, y * stride + 4 + 3 * x)];
  return { width, height, ihdr, raw, stride, filters, pixel, chunks };
}

describe('solidPng structure', () => {
  it.each([
    [1, 1],
    [3, 5],
    [640, 360],
    [1024, 1024],
  ])('%i×%i: IHDR, one IDAT, IEND, each with a correct CRC', (width, height) => {
    const png = solidPng(width, height, [10, 20, 30]);
    const chunks = chunksOf(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const chunk of chunks) {
      expect(chunk.crc, `${chunk.type} CRC`).toBe(
        crc32(Buffer.concat([Buffer.from(chunk.type, 'latin1'), chunk.data])),
      );
    }
    const ihdr = chunks[0].data;
    expect(ihdr).toHaveLength(13);
    expect(ihdr.readUInt32BE(0)).toBe(width);
    expect(ihdr.readUInt32BE(4)).toBe(height);
    // bit depth 8, truecolour, deflate, adaptive filtering, no interlace
    expect([...ihdr.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    expect(chunks[2].data).toHaveLength(0);
    expect(chunks[2].crc).toBe(0xae426082); // the fixed CRC of every IEND chunk
  });

  it('holds exactly one filter-0 scanline of 3 bytes per pixel per row', () => {
    const { raw, stride, height, filters } = decode(solidPng(7, 9, [2, 4, 6]));
    expect(raw).toHaveLength(stride * height);
    expect(stride).toBe(22);
    expect(filters).toEqual(Array(9).fill(0));
  });
});

describe('solidPng pixels', () => {
  it('paints the top eighth at half brightness and the rest in the colour, across the full width', () => {
    const { pixel, width } = decode(solidPng(5, 16, [200, 100, 40]));
    for (let x = 0; x < width; x++) {
      expect(pixel(x, 0)).toEqual([100, 50, 20]);
      expect(pixel(x, 1)).toEqual([100, 50, 20]);
      expect(pixel(x, 2)).toEqual([200, 100, 40]);
      expect(pixel(x, 15)).toEqual([200, 100, 40]);
    }
  });

  it('has no band on images shorter than eight rows', () => {
    const { pixel } = decode(solidPng(2, 7, [80, 60, 40]));
    expect(pixel(0, 0)).toEqual([80, 60, 40]);
  });

  it('keeps black black and white white', () => {
    expect(decode(solidPng(1, 8, [255, 255, 255])).pixel(0, 7)).toEqual([255, 255, 255]);
    expect(decode(solidPng(1, 8, [0, 0, 0])).pixel(0, 0)).toEqual([0, 0, 0]);
  });

  it('answers identical bytes for identical requests and different ones otherwise', () => {
    const a = solidPng(32, 32, [1, 2, 3]);
    expect(solidPng(32, 32, [1, 2, 3]).equals(a)).toBe(true);
    expect(solidPng(32, 33, [1, 2, 3]).equals(a)).toBe(false);
    expect(solidPng(32, 32, [1, 2, 4]).equals(a)).toBe(false);
  });

  it('stays correct past the cache’s eviction point', () => {
    for (let i = 0; i < 510; i++) solidPng(1, 1, [i % 256, Math.floor(i / 256), 0]);
    const { width, height, pixel } = decode(solidPng(2, 8, [9, 8, 7]));
    expect([width, height]).toEqual([2, 8]);
    expect(pixel(1, 7)).toEqual([9, 8, 7]);
  });
});

describe('noisePng', () => {
  it('is a valid square PNG whose raw size matches the asked MiB', () => {
    const { width, height, raw, chunks } = decode(noisePng(0.5));
    for (const chunk of chunks) {
      expect(chunk.crc).toBe(crc32(Buffer.concat([Buffer.from(chunk.type, 'latin1'), chunk.data])));
    }
    expect(width).toBe(height);
    expect(Math.abs(width * height * 3 - 0.5 * 1024 * 1024)).toBeLessThan(3 * (2 * width + 1));
    expect(raw).toHaveLength(height * (1 + 3 * width));
  });

  it('is never smaller than 16×16', () => {
    const { width, height } = decode(noisePng(0));
    expect([width, height]).toEqual([16, 16]);
  });

  it('differs between calls (random content)', () => {
    expect(noisePng(0.01).equals(noisePng(0.01))).toBe(false);
  });
});

describe('colourOf', () => {
  it('spreads job ids over many colours', () => {
    const colours = new Set(Array.from({ length: 200 }, (_, i) => colourOf(`job-${i}`).join(',')));
    expect(colours.size).toBeGreaterThan(190);
  });

  it('answers byte components', () => {
    for (const text of ['', 'a', 'é', 'a much longer job identifier 0123456789']) {
      for (const c of colourOf(text)) expect(Number.isInteger(c) && c >= 0 && c <= 255).toBe(true);
    }
  });
});

describe('fakeMp4', () => {
  it('is an ftyp box (isom) followed by a free box holding the label padded to eight bytes', () => {
    const mp4 = fakeMp4('cell');
    expect(mp4).toHaveLength(40);
    expect(mp4.readUInt32BE(0)).toBe(24);
    expect(mp4.toString('latin1', 4, 12)).toBe('ftypisom');
    expect(mp4.readUInt32BE(24)).toBe(16);
    expect(mp4.toString('latin1', 28, 32)).toBe('free');
    expect(mp4.toString('latin1', 32, 40)).toBe('cell    ');
  });

  it('cuts long labels to eight bytes so the box size stays right', () => {
    const mp4 = fakeMp4('a-very-long-label');
    expect(mp4).toHaveLength(40);
    expect(mp4.toString('latin1', 32, 40)).toBe('a-very-l');
  });
});
