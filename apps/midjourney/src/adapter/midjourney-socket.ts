import type { Logger } from '@nestjs/common';
import { decode } from 'cbor-x';
import type { Page } from 'puppeteer-core';
import type { BrowserSession } from '@app/browser';

/** What one websocket frame says about one Midjourney job (PROVIDERS.md §2.3). */
export interface JobNews {
  jobId: string;
  /** `running`, `completed`, `failed`, `moderated`, … when the frame names one. */
  status?: string;
  progress?: number;
  /** When the frame arrived (ms). */
  at: number;
}

/** Statuses after which a job never changes again. */
export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'moderated']);

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * Decodes one binary frame: a CBOR map with `job_id`, `current_status`, `percentage_complete` (and preview bytes we
 * ignore), at the top or under `data`/`job` (field placement is seen, not specified). Null for frames about no job
 * and for bytes that are not CBOR: the socket is a hint, never a reason to fail.
 */
export function decodeFrame(bytes: Uint8Array): Omit<JobNews, 'at'> | null {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch {
    return null;
  }
  for (const candidate of [value, field(value, 'data'), field(value, 'job')]) {
    const jobId = text(field(candidate, 'job_id')) ?? text(field(candidate, 'id'));
    if (!jobId) continue;
    const status = text(field(candidate, 'current_status'));
    const raw = Number(field(candidate, 'percentage_complete'));
    const progress = Number.isFinite(raw) && raw >= 0 ? Math.min(100, Math.floor(raw)) : undefined;
    return { jobId, ...(status ? { status } : {}), ...(progress !== undefined ? { progress } : {}) };
  }
  return null;
}

function field(value: unknown, key: string): unknown {
  if (value instanceof Map) return value.get(key);
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

export interface SocketHandlers {
  frame(bytes: Buffer): void;
  closed(reason: string): void;
}

/** Where the socket lives. Resolves true once open and subscribed; frames and the close come through `handlers`. */
export interface SocketTransport {
  open(url: string, handlers: SocketHandlers, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface MidjourneySocketOptions {
  /** Origin of the socket host, e.g. `wss://ws.midjourney.com`. */
  url: string;
  transport: SocketTransport;
  /** The account's `websocketToken`; asked again after a failed open. */
  token: (signal: AbortSignal) => Promise<string>;
  logger: Pick<Logger, 'log' | 'warn'>;
  openTimeoutMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  now?: () => number;
}

const MAX_REMEMBERED = 2000;

/**
 * The account's Midjourney websocket, subscribed to the user. Midjourney streams a job only to sockets that were
 * subscribed when it started, so a job counts as followed (`live`) only while the socket that was open at its
 * submission is still open: after a drop, even once reconnected, its news comes from polling. Reopens by itself
 * with backoff; every drop wakes all jobs (they go back to polling at once).
 */
export class MidjourneySocket {
  private generation = 0;
  private openGeneration = 0;
  private opening?: Promise<number | undefined>;
  private token?: string;
  private failures = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private readonly news = new Map<string, JobNews>();
  /** Provider job id → the generation of the socket open when it was submitted. */
  private readonly followed = new Map<string, number>();
  private listener?: (providerJobId?: string) => void;
  private readonly now: () => number;

  constructor(private readonly options: MidjourneySocketOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Called with a job's id when news of a followed job arrives, and without one after a drop. */
  onNews(listener: (providerJobId?: string) => void): void {
    this.listener = listener;
  }

  /** True while a socket is open and subscribed. */
  isOpen(): boolean {
    return this.openGeneration !== 0 && this.openGeneration === this.generation;
  }

  /**
   * Opens the socket unless it is open (or opening): the generation to follow jobs with, or undefined when it could
   * not open in time (the caller polls instead). Waits at most `waitMs`; an open still under way goes on.
   */
  async ready(waitMs: number): Promise<number | undefined> {
    if (this.stopped) return undefined;
    if (this.isOpen()) return this.generation;
    this.opening ??= this.connect().finally(() => (this.opening = undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
    try {
      return await Promise.race([this.opening, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Follows a job submitted while generation `generation` was open. */
  follow(providerJobId: string, generation: number): void {
    this.followed.set(providerJobId, generation);
    trim(this.followed);
  }

  /** True while the job's news arrives: the socket open at its submission has stayed open. */
  live(providerJobId: string): boolean {
    return this.isOpen() && this.followed.get(providerJobId) === this.generation;
  }

  latest(providerJobId: string): JobNews | undefined {
    return this.news.get(providerJobId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.generation++;
    await this.options.transport.close().catch(() => undefined);
  }

  /** The socket is gone without telling (the browser was relaunched). */
  dropped(reason: string): void {
    this.onClosed(this.generation, reason);
  }

  private async connect(): Promise<number | undefined> {
    const { transport, logger } = this.options;
    const generation = ++this.generation;
    const timeoutMs = this.options.openTimeoutMs ?? 10_000;
    let opened = false;
    try {
      this.token ??= await this.options.token(AbortSignal.timeout(timeoutMs));
      const url = `${this.options.url.replace(/\/+$/, '')}/ws?token=${encodeURIComponent(this.token)}`;
      opened = await transport.open(
        url,
        {
          frame: (bytes) => {
            if (generation === this.generation) this.onFrame(bytes);
          },
          closed: (reason) => this.onClosed(generation, reason),
        },
        timeoutMs,
      );
    } catch (error) {
      logger.warn(`Midjourney socket did not open: ${String(error)}`);
    }
    if (!opened || generation !== this.generation) {
      if (generation === this.generation) {
        this.generation++; // a late close report of this attempt is not news
        this.token = undefined; // perhaps stale: ask for a new one next time
        void transport.close().catch(() => undefined);
        this.reopenLater();
      }
      return undefined;
    }
    this.failures = 0;
    this.openGeneration = generation;
    logger.log('Midjourney socket open, subscribed to the user');
    return generation;
  }

  private onFrame(bytes: Buffer): void {
    const frame = decodeFrame(bytes);
    if (!frame) return;
    const before = this.news.get(frame.jobId);
    this.news.delete(frame.jobId); // re-inserted last: the oldest entries go first when trimmed
    this.news.set(frame.jobId, {
      ...before,
      ...frame,
      at: this.now(),
    });
    trim(this.news);
    const changed = before?.status !== (frame.status ?? before?.status) || before?.progress !== frame.progress;
    if (changed && this.followed.has(frame.jobId)) this.listener?.(frame.jobId);
  }

  private onClosed(generation: number, reason: string): void {
    if (generation !== this.generation || this.stopped) return;
    const wasOpen = this.openGeneration === generation;
    this.generation++; // the jobs it followed are polled from now on
    this.openGeneration = 0;
    if (wasOpen) {
      this.options.logger.warn(`Midjourney socket dropped (${reason}); polling until it is back`);
      this.listener?.();
    }
    void this.options.transport.close().catch(() => undefined);
    this.reopenLater();
  }

  private reopenLater(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.failures++;
    const base = this.options.reconnectBaseMs ?? 1000;
    const delay = Math.min(this.options.reconnectMaxMs ?? 30_000, base * 2 ** Math.min(10, this.failures - 1));
    this.retry = setTimeout(() => void this.ready(0), delay);
    this.retry.unref();
  }
}

function trim(map: Map<string, unknown>): void {
  while (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as string);
}

/**
 * The socket opened inside a tab of the Midjourney app, as the web app does: the browser brings the site's cookies,
 * Cloudflare state and Origin, which a socket from Node would lack (PROVIDERS.md §6.4). Frames reach Node as base64
 * through an exposed function and are decoded there (cbor-x).
 */
export class PageSocketTransport implements SocketTransport {
  private tab?: Page;

  constructor(
    private readonly browser: BrowserSession,
    private readonly pageUrl: string,
  ) {}

  async open(url: string, handlers: SocketHandlers, timeoutMs: number): Promise<boolean> {
    await this.close();
    const tab = await this.browser.openTab(this.pageUrl, AbortSignal.timeout(timeoutMs));
    this.tab = tab;
    tab.once('close', () => handlers.closed('tab closed'));
    await tab.exposeFunction('__gwSocketFrame', (base64: string) => handlers.frame(Buffer.from(base64, 'base64')));
    await tab.exposeFunction('__gwSocketClosed', (reason: string) => handlers.closed(reason));
    return tab.evaluate(
      (target: string, ms: number) =>
        new Promise<boolean>((resolve) => {
          const page = window as unknown as {
            __gwSocketFrame(base64: string): void;
            __gwSocketClosed(reason: string): void;
          };
          const ws = new WebSocket(target);
          ws.binaryType = 'arraybuffer';
          const timer = setTimeout(() => {
            resolve(false);
            ws.close();
          }, ms);
          ws.onopen = () => {
            // Subscribed before any submission: Midjourney streams only jobs started after the subscription.
            ws.send(JSON.stringify({ type: 'subscribe_to_user' }));
            clearTimeout(timer);
            resolve(true);
          };
          ws.onmessage = (event: MessageEvent) => {
            if (typeof event.data === 'string') return;
            const bytes = new Uint8Array(event.data as ArrayBuffer);
            let binary = '';
            for (let i = 0; i < bytes.length; i += 0x8000) {
              binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            }
            page.__gwSocketFrame(btoa(binary));
          };
          ws.onclose = (event: CloseEvent) => {
            clearTimeout(timer);
            resolve(false);
            page.__gwSocketClosed(`code ${event.code}`);
          };
        }),
      url,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    const tab = this.tab;
    this.tab = undefined;
    if (tab && !tab.isClosed()) {
      tab.removeAllListeners('close');
      await this.browser.closeTab(tab);
    }
  }
}
