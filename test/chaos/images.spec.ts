import { describe, expect, it } from 'vitest';
import { solidPng } from '../../apps/simulator/src/common/png.js';
import { solidWebp } from '../../apps/simulator/src/common/webp.js';
import { imageProblem } from './images.js';

describe(imageProblem.name, () => {
  it('accepts whole PNG, WebP and JPEG files', () => {
    expect(imageProblem(solidPng(8, 8, [200, 10, 10]))).toBeUndefined();
    expect(imageProblem(solidWebp(8, 8, [10, 200, 10]))).toBeUndefined();
    expect(imageProblem(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0, 0, 0, 0, 0, 0, 0xff, 0xd9]))).toBeUndefined();
  });

  it('names cut files and pages that are not images', () => {
    const png = solidPng(8, 8, [200, 10, 10]);
    expect(imageProblem(png.subarray(0, png.length - 6))).toMatch(/no IEND/);
    const webp = solidWebp(8, 8, [10, 200, 10]);
    expect(imageProblem(webp.subarray(0, webp.length - 1))).toMatch(/WebP declares/);
    expect(imageProblem(Buffer.from('<!DOCTYPE html><html>error</html>'))).toMatch(/not an image/);
    expect(imageProblem(Buffer.alloc(3))).toMatch(/only 3 bytes/);
  });
});
