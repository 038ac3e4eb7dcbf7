import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';
import { launchBrowser, signIn, until } from './browser.js';

// A follow-up from the job page: press an upscale button of a completed grid and land on the new job
// (POST /v1/midjourney/actions with the button's `result.actions` entry).
describe('console follow-up buttons', () => {
  const system = new TestSystem();
  let browser: Browser;

  beforeAll(async () => {
    await system.start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await system.stop();
  });

  it('upscales one cell of a completed grid and opens the new job', async () => {
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a compass rose for follow-ups' });
    expect(created.status).toBe(202);
    const grid = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(grid.result.actions).toContain('upscale:1');

    const page = await signIn(browser, system);
    await page.goto(`${system.gatewayUrl}/console/jobs/${grid.id}`);
    await page.waitForSelector('button[data-action="upscale:1"]');
    await page.click('button[data-action="upscale:1"]');
    await page.waitForFunction(
      (from) => /^\/console\/jobs\/[0-9a-f-]{36}$/.test(location.pathname) && !location.pathname.endsWith(from),
      {},
      grid.id,
    );
    const followUp = page.url().split('/').pop()!;
    const job = (await system.api('GET', `/v1/jobs/${followUp}`)).body;
    expect(job.provider).toBe('midjourney');
    expect(JSON.stringify(job.input)).toContain(grid.id);
    await until('follow-up shown', async () => ((await page.$('.job-state .badge')) ? true : undefined), 10_000);
    await page.browserContext().close();
  });
});
