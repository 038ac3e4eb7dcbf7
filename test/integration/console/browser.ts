import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { waitFor, type TestSystem } from '../system.js';

/** Helpers for the console's browser specs: a real headless Chromium (as the workers launch it) on the console. */

const root = resolve(import.meta.dirname, '..', '..', '..');
export const consoleBuilt = () => existsSync(join(root, 'dist', 'console', 'index.html'));

function chromePath(): string {
  const wanted = process.env.CHROME_PATH;
  const found = [wanted, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
    (p): p is string => !!p && existsSync(p),
  );
  if (!found) throw new Error('No Chromium found: install it (npm test does) or set CHROME_PATH');
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  if (!consoleBuilt()) throw new Error('dist/console is missing: run `npm run build` (npm test builds it)');
  return puppeteer.launch({
    executablePath: chromePath(),
    headless: true,
    // Root in containers needs --no-sandbox; the rest keeps a closed network quiet (STYLE §10).
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
}

/** Opens the console in a fresh browser context (no cookies) and signs in with `key` through the sign-in form. */
export async function signIn(browser: Browser, system: TestSystem, key = system.apiKey): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${system.gatewayUrl}/console/`);
  await page.waitForSelector('input[name="api_key"]');
  await page.type('input[name="api_key"]', key);
  await page.click('button[type="submit"]');
  await page.waitForSelector('header.top nav');
  return page;
}

/** Clicks a top navigation link by its text and waits for the path. */
export async function go(page: Page, label: string, path: string): Promise<void> {
  const links = await page.$$('header.top nav a');
  for (const link of links) {
    if ((await link.evaluate((a) => a.textContent)) === label) {
      await link.click();
      await page.waitForFunction((p) => location.pathname === p, {}, `/console${path}`);
      return;
    }
  }
  throw new Error(`No navigation link ${label}`);
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => el.textContent ?? '');
}

/** Waits (polling the page, never sleeping) until `fn` answers a value. */
export function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return waitFor(what, fn, timeoutMs);
}

/** Saves a screenshot when CONSOLE_SCREENSHOTS_DIR is set (the README's pictures come from such a run). */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `console-${name}.png`), fullPage });
}
