/**
 * Real WebP files for the CDN's `.webp` cells and thumbnails (PROVIDERS.md §2.5): a lossless (VP8L) image of one
 * colour. Each of the five prefix codes is a "simple code" with a single symbol, which takes zero bits per pixel,
 * so the whole image is a header and five codes — a dozen bytes at any size, decodable by any WebP reader.
 */
class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  /** VP8L packs values least significant bit first. */
  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.current |= ((value >>> i) & 1) << this.used;
      if (++this.used === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
  }

  finish(): Buffer {
    if (this.used) this.bytes.push(this.current);
    return Buffer.from(this.bytes);
  }
}

const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** Largest side VP8L can describe (14-bit dimensions). */
export const WEBP_MAX_SIDE = 16_384;

export function solidWebp(width: number, height: number, rgb: [number, number, number]): Buffer {
  if (width < 1 || height < 1 || width > WEBP_MAX_SIDE || height > WEBP_MAX_SIDE) {
    throw new RangeError(`WebP size ${width}x${height} out of range`);
  }
  const bits = new BitWriter();
  bits.write(0x2f, 8); // VP8L signature
  bits.write(width - 1, 14);
  bits.write(height - 1, 14);
  bits.write(0, 1); // alpha_is_used: a hint only
  bits.write(0, 3); // version 0
  bits.write(0, 1); // no transforms
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // one prefix-code group for the whole image
  // Codes in VP8L order: green, red, blue, alpha, distance. Each: simple, one symbol, written with 8 bits.
  for (const symbol of [rgb[1], rgb[0], rgb[2], 255, 0]) {
    bits.write(1, 1);
    bits.write(0, 1);
    bits.write(1, 1);
    bits.write(symbol & 0xff, 8);
  }
  const data = bits.finish();
  const chunk = Buffer.concat([Buffer.from('VP8L'), u32le(data.length), data, Buffer.alloc(data.length % 2)]);
  return Buffer.concat([Buffer.from('RIFF'), u32le(4 + chunk.length), Buffer.from('WEBP'), chunk]);
}

/** Width and height from a VP8L header (tests and clients that sniff sizes). */
export function webpSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 25 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 16) !== 'WEBPVP8L') {
    return null;
  }
  if (bytes[20] !== 0x2f) return null;
  const bits = bytes.readUInt32LE(21);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}
