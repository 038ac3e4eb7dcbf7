/**
 * Why these bytes are not a whole image, or undefined when they are: a PNG whose chunks run to IEND, a WebP whose RIFF
 * size matches, a JPEG from SOI to EOI. Catches truncated uploads and HTML error pages served as images.
 */
export function imageProblem(bytes: Buffer): string | undefined {
  if (bytes.length < 12) return `only ${bytes.length} bytes`;
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return pngProblem(bytes);
  }
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    const declared = bytes.readUInt32LE(4) + 8;
    return declared === bytes.length ? undefined : `WebP declares ${declared} bytes, has ${bytes.length}`;
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9 ? undefined : 'JPEG without its end';
  }
  return `not an image (starts ${JSON.stringify(bytes.toString('latin1', 0, 16))})`;
}

function pngProblem(bytes: Buffer): string | undefined {
  let offset = 8;
  let first = true;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (first && type !== 'IHDR') return 'PNG without IHDR first';
    first = false;
    offset += 12 + length;
    if (type === 'IEND') return offset === bytes.length ? undefined : 'bytes after the PNG end';
  }
  return `PNG cut at ${bytes.length} bytes (no IEND)`;
}
