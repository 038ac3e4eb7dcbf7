import type { Page } from 'puppeteer-core';

export class BrowserConfig {
  /** System Chromium (`CHROME_PATH`); ignored when `wsEndpoint` is set. */
  chromePath: string = '/usr/bin/chromium';
  /** Attach to a remote browser instead of launching one (`BROWSER_WS_ENDPOINT`). */
  wsEndpoint?: string;
  /** Persistent profile directory of the account (one browser per profile). */
  profileDir!: string;
  /** Exported cookie JSON array (the usual browser-extension format); written back when cookies rotate. */
  cookiesFile?: string;
  headless: boolean = true;
  /** Extra Chromium flags. */
  args: string[] = [];
  /** Default bound for any navigation or in-page call. */
  timeoutMs: number = 30_000;
  /** Recycle (after draining) when the browser is older than this or uses more memory (MiB). */
  maxAgeMs: number = 6 * 3600 * 1000;
  maxMemoryMb: number = 1500;
  /** Account label for logs and health. */
  account: string = 'default';
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  /** JSON bodies are stringified by the caller; binary bodies go as base64 with `bodyEncoding: 'base64'`. */
  body?: string;
  bodyEncoding?: 'text' | 'base64';
  /** Multipart: the page builds FormData from these (files as base64). */
  form?: Array<
    { name: string; value: string } | { name: string; filename: string; contentType: string; base64: string }
  >;
  /** How the page should hand the body back. */
  responseType?: 'json' | 'text' | 'bytes';
  timeoutMs?: number;
  credentials?: 'include' | 'same-origin' | 'omit';
}

export interface FetchResult<T = unknown> {
  status: number;
  ok: boolean;
  url: string;
  headers: Record<string, string>;
  /** Parsed JSON, text, or a Buffer for 'bytes'. For 'json' a non-JSON body comes back as text. */
  body: T;
}

export interface BrowserState {
  connected: boolean;
  launchedAt: string | null;
  relaunches: number;
  /** Open pages: the reused page per origin plus the tabs of running jobs. */
  pages: number;
}

/**
 * One browser per account profile. Provider calls run as `fetch` inside a page of the provider's origin, so
 * cookies, Cloudflare state and CSRF context come with them; pages are reused per origin.
 */
export abstract class BrowserSession {
  /** Launches or connects (single-flight); imports cookies from the file on first start. */
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  /** The reused page of an origin, navigated to `url` (default: the origin root) when it is not there yet. */
  abstract page(origin: string, url?: string): Promise<Page>;
  /** Navigates the origin's page to `url` again (reload after a challenge, sign-in check). */
  abstract navigate(origin: string, url: string, signal?: AbortSignal): Promise<Page>;
  /** `fetch` inside the origin's page; bounded by `timeoutMs` and `signal`. */
  abstract fetch<T = unknown>(
    origin: string,
    url: string,
    init?: FetchInit,
    signal?: AbortSignal,
  ): Promise<FetchResult<T>>;
  /**
   * A tab of its own for one long run (a ChatGPT conversation), navigated to `url`; the caller closes it with
   * `closeTab`. A browser relaunch closes every tab: callers check `page.isClosed()`.
   */
  abstract openTab(url: string, signal?: AbortSignal): Promise<Page>;
  abstract closeTab(page: Page): Promise<void>;
  /** Cookies the browser would send to `url` (name/value only are guaranteed). */
  abstract cookies(url: string): Promise<Array<{ name: string; value: string }>>;
  /** Writes current cookies back to the cookies file when they changed (rotation). */
  abstract saveCookies(): Promise<void>;
  abstract state(): BrowserState;
  /** Resolves when the browser disconnects unexpectedly and has been relaunched. */
  abstract onRelaunch(listener: () => void): void;
}
