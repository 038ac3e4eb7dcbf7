import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';
import { go, launchBrowser, screenshot, signIn, textOf, until } from './browser.js';

// The operator console in a real headless Chromium against the sandbox (gateway, NATS, PGlite, Midjourney worker,
// simulator): sign in, submit an imagine from the form and watch it complete live, create and revoke a key, see the
// accounts (and one change state when the simulator signs the account out).
describe('operator console in the browser', () => {
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

  it('refuses a wrong key on the sign-in page', async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    await page.goto(`${system.gatewayUrl}/console/jobs`);
    await page.waitForSelector('input[name="api_key"]');
    await screenshot(page, 'sign-in');
    await page.type('input[name="api_key"]', 'gw_not_a_key');
    await page.click('button[type="submit"]');
    await until(
      'error shown',
      async () => ((await textOf(page, '.error')).includes('not valid') ? true : undefined),
      10_000,
    );
    expect(await page.$('header.top nav')).toBeNull();
    await page.browserContext().close();
  });

  it('submits a Midjourney imagine from the form and shows it completing live', async () => {
    const page = await signIn(browser, system);
    await go(page, 'Create', '/create');
    await page.waitForSelector('form[data-operation="midjourney/imagine"]');
    // The page checks the API's limits before sending: an empty prompt and a bad aspect ratio are refused here.
    await page.type('#f-options-ar', '16-9');
    await page.click('form.create button[type="submit"]');
    await until(
      'problems shown',
      async () => ((await page.$$('[aria-invalid="true"]')).length === 2 ? true : undefined),
      5000,
    );
    await page.$eval('#f-options-ar', (el) => ((el as HTMLInputElement).value = ''));
    await page.type('#f-options-ar', '1:1');
    await page.type('#f-prompt', 'a paper lantern floating over a console');
    await screenshot(page, 'create');
    await page.click('form.create button[type="submit"]');
    await page.waitForFunction(() => /^\/console\/jobs\/[0-9a-f-]{36}$/.test(location.pathname));
    const id = page.url().split('/').pop()!;
    // A marker on the window: it survives only if the page never reloads while the job runs.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await until(
      'job completed on the page',
      async () => ((await page.$('.job-state .badge.status-completed')) ? true : undefined),
      90_000,
    );
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.waitForSelector('.grid2 img');
    expect(await page.$$eval('.grid2 figure img', (imgs) => imgs.length)).toBe(4);
    expect(await page.$$eval('.grid2 figcaption a[download]', (links) => links.length)).toBe(4);
    const steps = await page.$$eval('.history .badge', (badges) => badges.map((b) => b.textContent));
    expect(steps[0]).toBe('pending');
    expect(steps.at(-1)).toBe('completed');
    expect(new Set(steps).size).toBe(steps.length); // one line per status
    const job = (await system.api('GET', `/v1/jobs/${id}`)).body;
    expect(job.status).toBe('completed');
    expect(job.input.options).toMatchObject({ ar: '1:1' });
    await until('images loaded', () =>
      page.$$eval('.grid2 img', (imgs) => (imgs.every((i) => i.complete) ? true : undefined)),
    );
    await screenshot(page, 'job', true);

    await go(page, 'Jobs', '/jobs');
    await page.waitForSelector(`li[data-job-id="${id}"] .badge.status-completed`);
    await screenshot(page, 'jobs');
    await go(page, 'Overview', '/');
    await page.waitForSelector('svg.chart rect');
    await screenshot(page, 'overview');
    await go(page, 'Webhooks', '/webhooks');
    await page.waitForSelector('.empty');
    expect(await textOf(page, '.empty')).toContain('webhook_url');
    await screenshot(page, 'webhooks');

    // Dark mode and a phone's width: the same job page stays readable.
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    await page.goto(`${system.gatewayUrl}/console/jobs/${id}`);
    await page.waitForSelector('.grid2 img');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await until('phone images loaded', () =>
      page.$$eval('.grid2 img', (imgs) => (imgs.every((i) => i.complete) ? true : undefined)),
    );
    await screenshot(page, 'job-phone-dark');
    await page.browserContext().close();
  });

  it('keeps the jobs list live: new jobs are announced without moving rows, known rows change in place', async () => {
    const page = await signIn(browser, system);
    await go(page, 'Jobs', '/jobs');
    // Once the stream is live (and the list loaded after it), every new job is announced.
    await page.waitForSelector('section[data-live="true"] .job-list');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a heron announced live' });
    expect(created.status).toBe(202);
    await page.waitForSelector('.banner');
    expect(await textOf(page, '.banner')).toMatch(/1 new job/);
    await page.click('.banner');
    const row = `li[data-job-id="${created.body.id}"]`;
    await page.waitForSelector(row);
    await until('row completed in place', async () =>
      (await page.$(`${row} .badge.status-completed`)) ? true : undefined,
    );
    expect(await page.$eval(row, (el) => el.getBoundingClientRect().height)).toBe(72);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
    await page.browserContext().close();
  });

  it('creates a key, shows it once, and revokes it', async () => {
    const page = await signIn(browser, system);
    page.on('dialog', (dialog) => void dialog.accept());
    await go(page, 'Keys', '/keys');
    const name = `browser-${Date.now()}`;
    await page.type('#key-name', name);
    await page.click('input[name="scope"][value="midjourney"]');
    await page.click('form.create details summary');
    await page.type('#limit-requests_per_minute', '120');
    await page.click('form.create button[type="submit"]');
    await page.waitForSelector('[data-testid="new-key"]');
    const plain = await page.$eval('[data-testid="new-key"]', (el) => (el as HTMLInputElement).value);
    expect(plain).toMatch(/^gw_/);
    expect((await system.api('GET', '/v1/jobs', undefined, { 'x-api-key': plain })).status).toBe(200);
    const row = `tr[data-key-name="${name}"]`;
    await page.waitForSelector(row);
    expect(await textOf(page, `${row} [data-testid="key-state"]`)).toBe('active');
    expect(await textOf(page, `${row} [data-testid="key-limits"]`)).toBe('Requests / minute: 120');
    const stored = (await system.api('GET', '/v1/admin/keys')).body.data.find((k: { name: string }) => k.name === name);
    expect(stored.limits).toEqual({
      requests_per_minute: 120,
      jobs_per_day: null,
      concurrent_jobs: null,
      concurrent_streams: null,
    });
    if (process.env.CONSOLE_SCREENSHOTS_DIR) {
      // The pictures go into the repository: show the box, not a key (even one from a throw-away database).
      await page.$eval(
        '[data-testid="new-key"]',
        (el) => ((el as HTMLInputElement).value = 'gw_••••••••••••••••••••••'),
      );
    }
    await screenshot(page, 'keys');
    await page.click(`${row} button.danger`);
    await until('revoked', async () =>
      (await textOf(page, `${row} [data-testid="key-state"]`)) === 'revoked' ? true : undefined,
    );
    expect((await system.api('GET', '/v1/jobs', undefined, { 'x-api-key': plain })).status).toBe(401);
    await page.browserContext().close();
  });

  it('shows the accounts, disables and enables one, and shows it signed out when the simulator signs it out', async () => {
    const page = await signIn(browser, system);
    await go(page, 'Accounts', '/accounts');
    const card = 'article[data-provider="midjourney"][data-account="default"]';
    const state = () => textOf(page, `${card} [data-testid="account-state"]`);
    await page.waitForSelector(card);
    await until('midjourney ready', async () => ((await state()) === 'ready' ? true : undefined), 20_000);
    expect(await page.$('article[data-provider="ideogram"]')).toBeNull(); // no ideogram worker in this system
    await screenshot(page, 'accounts');

    await page.click(`${card} [data-testid="toggle"]`);
    await until('disabled', async () => ((await state()) === 'disabled' ? true : undefined), 20_000);
    expect((await system.api('GET', '/v1/accounts')).body.data[0]).toMatchObject({
      account: 'default',
      disabled: true,
    });
    await page.click(`${card} [data-testid="toggle"]`);
    await until('enabled again', async () => ((await state()) === 'ready' ? true : undefined), 20_000);

    // The simulator signs the account out; the next job finds out and the page shows it without a reload.
    await system.admin('POST', '/__admin/faults', { provider: 'midjourney', fault: 'unauthorized' });
    try {
      const created = await system.api('POST', '/v1/midjourney/imagine', { prompt: 'a door that will not open' });
      await system.waitForJob(created.body.id, (j) => j.status === 'failed');
      await until('midjourney signed out', async () => ((await state()) === 'signed_out' ? true : undefined));
      expect(await textOf(page, `${card} .facts`)).toContain('SIGNED_OUT');
    } finally {
      await system.admin('DELETE', '/__admin/faults');
    }
    await page.browserContext().close();
  });
});
