import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidWebp } from './webp.js';

// The simulator's WebP files must be real WebP: decoded here by the same Chromium the workers drive.
describe('solidWebp decoded by Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await puppeteer.launch({
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    [1, 1, [0, 0, 0]],
    [384, 288, [200, 30, 90]],
    [1024, 1024, [255, 255, 255]],
    [2048, 1536, [12, 250, 7]],
  ] as const)('decodes %ix%i in colour %j', async (width, height, rgb) => {
    const page = await browser.newPage();
    try {
      const decoded = await page.evaluate(
        async (base64: string) => {
          const blob = await (await fetch(`data:image/webp;base64,${base64}`)).blob();
          const bitmap = await createImageBitmap(blob);
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          const context = canvas.getContext('2d')!;
          context.drawImage(bitmap, 0, 0);
          const corner = Array.from(context.getImageData(bitmap.width - 1, bitmap.height - 1, 1, 1).data);
          return { width: bitmap.width, height: bitmap.height, corner };
        },
        solidWebp(width, height, [...rgb]).toString('base64'),
      );
      expect(decoded).toEqual({ width, height, corner: [...rgb, 255] });
    } finally {
      await page.close();
    }
  });
});
