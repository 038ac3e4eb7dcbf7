import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  BrowserConfig,
  BrowserSession,
  type BrowserState,
  type FetchInit,
  type FetchResult,
} from '../browser-session.js';
import { killBrowserGroup, reapProfile } from './chromium-processes.js';
import { fromCookies, relaunchDelayMs, toCookieParams } from './cookie-file.js';

/** How long a launched browser gets to close itself on stop before its process group is killed. */
const CLOSE_GRACE_MS = 1000;

const REQUIRED_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  '--disable-blink-features=AutomationControlled',
];

interface PageFetchAnswer {
  status: number;
  ok: boolean;
  url: string;
  headers: Record<string, string>;
  text?: string;
  base64?: string;
  error?: string;
  timeout?: boolean;
}

/** One Chromium per account profile; provider calls run as in-page fetch on a reused page per origin. */
@Injectable()
export class PuppeteerBrowserSession extends BrowserSession implements OnApplicationShutdown {
  private readonly logger: Logger;
  private browser?: Browser;
  private starting?: Promise<void>;
  private stopping = false;
  private launchedAt: Date | null = null;
  private relaunches = 0;
  private readonly pages = new Map<string, Promise<Page>>();
  private readonly tabs = new Set<Page>();
  private readonly relaunchListeners: Array<() => void> = [];
  private cookieHash = '';
  private saveTimer?: NodeJS.Timeout;
  private recycleTimer?: NodeJS.Timeout;
  private inFlight = 0;
  private userAgent?: string;
  /** Kills the launched browser's process group if this process exits without stop() (a crash, process.exit). */
  private killOnExit?: () => void;

  constructor(private readonly config: BrowserConfig) {
    super();
    this.logger = new Logger(`Browser:${config.account}`);
  }

  start(): Promise<void> {
    if (this.browser?.connected) return Promise.resolve();
    // Single flight: concurrent callers share one launch; two browsers on one profile would corrupt it.
    this.starting ??= this.launch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async launch(): Promise<void> {
    this.stopping = false;
    if (this.config.wsEndpoint) {
      this.browser = await puppeteer.connect({ browserWSEndpoint: this.config.wsEndpoint, defaultViewport: null });
    } else {
      await mkdir(this.config.profileDir, { recursive: true });
      // puppeteer launches Chromium detached: a worker killed with SIGKILL leaves it running on the profile, where it
      // would hold the profile's lock and keep its tabs open. A start ends whatever runs there.
      const reaped = await reapProfile(this.config.profileDir, CLOSE_GRACE_MS);
      if (reaped.length) {
        this.logger.warn(`ended ${reaped.length} Chromium processes left on this profile (${reaped.join(', ')})`);
      }
      this.browser = await puppeteer.launch({
        executablePath: this.config.chromePath,
        userDataDir: this.config.profileDir,
        headless: this.config.headless,
        args: [...REQUIRED_ARGS, ...this.config.args],
        defaultViewport: { width: 1366, height: 900 },
        protocolTimeout: Math.max(60_000, this.config.timeoutMs * 2),
      });
      this.watchExit(this.browser.process()?.pid);
    }
    this.launchedAt = new Date();
    this.pages.clear();
    // Headless Chromium announces itself in the UA; keep the family but drop the marker (account safety).
    this.userAgent = (await this.browser.userAgent()).replace('HeadlessChrome', 'Chrome');
    this.browser.once('disconnected', () => this.onDisconnected());
    // At every launch, relaunches included: Chromium flushes its cookie store lazily, so after a crash the profile
    // may miss what the file (written back on every rotation) has.
    await this.importCookies();
    this.cookieHash = this.hashCookies(await this.browser.cookies());
    this.scheduleRecycleCheck();
    this.logger.log(`browser ${this.config.wsEndpoint ? 'connected' : 'launched'} (profile ${this.config.profileDir})`);
  }

  private watchExit(pid: number | undefined): void {
    if (this.killOnExit) process.off('exit', this.killOnExit);
    this.killOnExit = undefined;
    if (!pid) return;
    this.killOnExit = () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', this.killOnExit);
  }

  /** Closes a browser: connected ones disconnect; launched ones get a short grace, then their process group dies. */
  private async close(browser: Browser): Promise<void> {
    if (this.config.wsEndpoint) {
      await browser.disconnect().catch(() => undefined);
      return;
    }
    const pid = browser.process()?.pid;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      browser.close().catch(() => undefined),
      new Promise((r) => (timer = setTimeout(r, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    // Its helpers (zygotes, renderers) share its process group and may outlive it for a moment; none may stay.
    if (pid) await killBrowserGroup(pid, this.config.profileDir, CLOSE_GRACE_MS);
    this.watchExit(undefined);
  }

  private async importCookies(): Promise<void> {
    if (!this.config.cookiesFile || !existsSync(this.config.cookiesFile)) return;
    const { cookies, skipped } = toCookieParams(JSON.parse(await readFile(this.config.cookiesFile, 'utf8')));
    if (skipped) this.logger.warn(`skipped ${skipped} malformed cookie entries`);
    if (cookies.length) {
      // Storage.setCookies accepts a url for host-only cookies (`__Host-` ones may not carry a Domain).
      const session = await this.browser!.target().createCDPSession();
      await session.send('Storage.setCookies', { cookies: cookies as never });
      await session.detach();
    }
    this.logger.log(`imported ${cookies.length} cookies`);
  }

  private hashCookies(cookies: Awaited<ReturnType<Browser['cookies']>>): string {
    return createHash('sha256')
      .update(JSON.stringify(fromCookies(cookies).map((c) => [c.domain, c.name, c.value])))
      .digest('hex');
  }

  async saveCookies(): Promise<void> {
    if (!this.config.cookiesFile || !this.browser?.connected) return;
    const cookies = await this.browser.cookies();
    const hash = this.hashCookies(cookies);
    if (hash === this.cookieHash) return;
    // The provider rotates session cookies; write them back or the next relaunch starts signed out.
    const temp = `${this.config.cookiesFile}.tmp`;
    await writeFile(temp, JSON.stringify(fromCookies(cookies), null, 2), { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.config.cookiesFile);
    this.cookieHash = hash;
  }

  private scheduleCookieSave(): void {
    if (!this.config.cookiesFile) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(
      () => void this.saveCookies().catch((e) => this.logger.warn(`cookie save: ${String(e)}`)),
      500,
    );
  }

  private onDisconnected(): void {
    this.browser = undefined;
    this.pages.clear();
    this.tabs.clear();
    if (this.stopping) return;
    this.logger.warn('browser disconnected; relaunching');
    void this.relaunchWithBackoff(0);
  }

  private async relaunchWithBackoff(attempt: number): Promise<void> {
    await new Promise((r) => setTimeout(r, relaunchDelayMs(attempt) / (attempt === 0 ? 4 : 1)));
    if (this.stopping || this.browser?.connected) return;
    try {
      await this.start();
      this.relaunches++;
      for (const listener of this.relaunchListeners) listener();
    } catch (error) {
      this.logger.error(`relaunch failed: ${String(error)}`);
      void this.relaunchWithBackoff(attempt + 1);
    }
  }

  private scheduleRecycleCheck(): void {
    clearInterval(this.recycleTimer);
    this.recycleTimer = setInterval(() => void this.recycleIfNeeded(), 60_000);
    this.recycleTimer.unref();
  }

  /** Recycle after draining when the browser is too old or too big (memory creeps in long sessions). */
  private async recycleIfNeeded(): Promise<void> {
    if (!this.browser?.connected || this.inFlight > 0 || this.tabs.size > 0 || this.config.wsEndpoint) return;
    const age = Date.now() - (this.launchedAt?.getTime() ?? Date.now());
    const rssMb = await this.browserRssMb();
    if (age < this.config.maxAgeMs && rssMb < this.config.maxMemoryMb) return;
    this.logger.log(`recycling browser (age ${Math.round(age / 60000)} min, ${Math.round(rssMb)} MiB)`);
    await this.saveCookies().catch(() => undefined);
    this.stopping = true;
    await this.close(this.browser);
    this.stopping = false;
    this.browser = undefined;
    await this.start();
  }

  private async browserRssMb(): Promise<number> {
    const pid = this.browser?.process()?.pid;
    if (!pid) return 0;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.recycleTimer);
    clearTimeout(this.saveTimer);
    await this.saveCookies().catch(() => undefined);
    const browser = this.browser;
    this.browser = undefined;
    this.pages.clear();
    this.tabs.clear();
    if (!browser) return;
    await this.close(browser);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  page(origin: string, url?: string): Promise<Page> {
    const key = new URL(origin).origin;
    let page = this.pages.get(key);
    if (!page) {
      page = this.openPage(key, url ?? `${key}/`);
      page.catch(() => this.pages.delete(key));
      this.pages.set(key, page);
    }
    return page.then((p) => (p.isClosed() ? this.reopen(key, url) : p));
  }

  private reopen(key: string, url?: string): Promise<Page> {
    this.pages.delete(key);
    return this.page(key, url);
  }

  private async newPage(): Promise<Page> {
    await this.start();
    const page = await this.browser!.newPage();
    if (this.userAgent) await page.setUserAgent(this.userAgent);
    page.setDefaultNavigationTimeout(this.config.timeoutMs);
    page.setDefaultTimeout(this.config.timeoutMs);
    return page;
  }

  async openTab(url: string, signal?: AbortSignal): Promise<Page> {
    signal?.throwIfAborted();
    const page = await this.newPage();
    this.tabs.add(page);
    page.once('close', () => this.tabs.delete(page));
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: this.config.timeoutMs, signal });
    } catch (error) {
      await this.closeTab(page);
      throw error;
    }
    return page;
  }

  async closeTab(page: Page): Promise<void> {
    this.tabs.delete(page);
    if (!page.isClosed()) await page.close().catch(() => undefined);
    this.scheduleCookieSave();
  }

  private async openPage(origin: string, url: string): Promise<Page> {
    const page = await this.newPage();
    // A provider page that 404s or shows a challenge is still a page of that origin: fetch works from it.
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: this.config.timeoutMs }).catch((error: unknown) => {
      this.logger.warn(`opening ${origin}: ${String(error)}`);
    });
    return page;
  }

  async navigate(origin: string, url: string, signal?: AbortSignal): Promise<Page> {
    const page = await this.page(origin, url);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: this.config.timeoutMs, signal });
    return page;
  }

  async fetch<T = unknown>(
    origin: string,
    url: string,
    init: FetchInit = {},
    signal?: AbortSignal,
  ): Promise<FetchResult<T>> {
    signal?.throwIfAborted();
    const page = await this.page(origin);
    const timeoutMs = init.timeoutMs ?? this.config.timeoutMs;
    this.inFlight++;
    try {
      const call = page.evaluate(
        async (target: string, opts: FetchInit, ms: number): Promise<PageFetchAnswer> => {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), ms);
          try {
            let body: BodyInit | undefined;
            if (opts.form) {
              const form = new FormData();
              for (const field of opts.form) {
                if ('base64' in field) {
                  const bytes = Uint8Array.from(atob(field.base64), (c) => c.charCodeAt(0));
                  form.append(field.name, new Blob([bytes], { type: field.contentType }), field.filename);
                } else form.append(field.name, field.value);
              }
              body = form;
            } else if (opts.body !== undefined) {
              body =
                opts.bodyEncoding === 'base64' ? Uint8Array.from(atob(opts.body), (c) => c.charCodeAt(0)) : opts.body;
            }
            const res = await fetch(target, {
              method: opts.method ?? 'GET',
              headers: opts.headers,
              body,
              credentials: opts.credentials ?? 'include',
              signal: controller.signal,
            });
            const headers: Record<string, string> = {};
            res.headers.forEach((v, k) => (headers[k] = v));
            const answer: PageFetchAnswer = { status: res.status, ok: res.ok, url: res.url, headers };
            if (opts.responseType === 'bytes') {
              const buf = new Uint8Array(await res.arrayBuffer());
              let binary = '';
              for (let i = 0; i < buf.length; i += 0x8000) {
                binary += String.fromCharCode(...buf.subarray(i, i + 0x8000));
              }
              answer.base64 = btoa(binary);
            } else answer.text = await res.text();
            return answer;
          } catch (error) {
            const aborted = controller.signal.aborted;
            return { status: 0, ok: false, url: target, headers: {}, error: String(error), timeout: aborted };
          } finally {
            clearTimeout(timer);
          }
        },
        url,
        init,
        timeoutMs,
      );
      const answer = await raceAbort(call, signal, timeoutMs + 5000);
      if (answer.error) {
        const error = new Error(
          answer.timeout
            ? `In-page fetch timed out after ${timeoutMs} ms: ${url}`
            : `Network failure in page fetch of ${url}: ${answer.error}`,
        );
        error.name = answer.timeout ? 'TimeoutError' : 'NetworkError';
        throw error;
      }
      let body: unknown;
      if (answer.base64 !== undefined) body = Buffer.from(answer.base64, 'base64');
      else if (init.responseType === 'text') body = answer.text;
      else {
        try {
          body = JSON.parse(answer.text ?? '');
        } catch {
          body = answer.text;
        }
      }
      return { status: answer.status, ok: answer.ok, url: answer.url, headers: answer.headers, body: body as T };
    } finally {
      this.inFlight--;
      this.scheduleCookieSave();
    }
  }

  async cookies(url: string): Promise<Array<{ name: string; value: string }>> {
    await this.start();
    const session = await this.browser!.target().createCDPSession();
    try {
      const { cookies } = (await session.send('Storage.getCookies')) as {
        cookies: Array<{ name: string; value: string; domain: string; path: string }>;
      };
      const host = new URL(url).hostname;
      return cookies.filter(
        (c) =>
          c.domain.replace(/^\./, '') === host || host.endsWith(c.domain.startsWith('.') ? c.domain : `.${c.domain}`),
      );
    } finally {
      await session.detach().catch(() => undefined);
    }
  }

  state(): BrowserState {
    return {
      connected: !!this.browser?.connected,
      launchedAt: this.launchedAt?.toISOString() ?? null,
      relaunches: this.relaunches,
      pages: this.pages.size + this.tabs.size,
    };
  }

  onRelaunch(listener: () => void): void {
    this.relaunchListeners.push(listener);
  }

  /** Test hook and recycle aid: the Chromium process id (launched browsers only). */
  pid(): number | undefined {
    return this.browser?.process()?.pid;
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, hardTimeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new Error(`Browser did not answer within ${hardTimeoutMs} ms`);
      error.name = 'TimeoutError';
      reject(error);
    }, hardTimeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      const error = new Error('Aborted');
      error.name = 'TimeoutError';
      reject(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
