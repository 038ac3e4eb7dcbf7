import { randomFillSync } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Buffer): number {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encode(width: number, height: number, rows: (y: number, row: Buffer) => void): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) rows(y, raw.subarray(y * stride + 1, (y + 1) * stride));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const cache = new Map<string, Buffer>();

/** A real PNG of the given size: a solid colour with a darker band, so files of different jobs/cells differ. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const key = `${width}x${height}:${rgb.join(',')}`;
  let png = cache.get(key);
  if (!png) {
    const band = Math.floor(height / 8);
    png = encode(width, height, (y, row) => {
      const f = y < band ? 0.5 : 1;
      for (let x = 0; x < width; x++) {
        row[x * 3] = rgb[0] * f;
        row[x * 3 + 1] = rgb[1] * f;
        row[x * 3 + 2] = rgb[2] * f;
      }
    });
    if (cache.size > 500) cache.clear();
    cache.set(key, png);
  }
  return png;
}

/** An incompressible PNG of about `mib` MiB (noise), for "images of any size" tests. */
export function noisePng(mib: number): Buffer {
  const side = Math.max(16, Math.round(Math.sqrt((mib * 1024 * 1024) / 3)));
  return encode(side, side, (_y, row) => {
    randomFillSync(row);
  });
}

export function colourOf(text: string): [number, number, number] {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
}

/** A few bytes that start with a valid mp4 `ftyp` box (enough for clients that sniff the type). */
export function fakeMp4(label: string): Buffer {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  return Buffer.concat([ftyp, Buffer.from(`\0\0\0\x10free${label.padEnd(8).slice(0, 8)}`, 'binary')]);
}
