import { ProviderException } from '@app/contracts';
import type { BrowserSession, FetchResult } from '@app/browser';
import { isChallenge } from '@app/provider-adapter';
import type { ConversationJson } from './conversation.js';

const TOKEN_MARGIN_MS = 60_000;

/**
 * chatgpt.com's backend as the web app calls it: `fetch` inside the reused chatgpt.com page (cookies and Cloudflare
 * state come with it) plus the access token of `/api/auth/session` (PROVIDERS.md §4.1, §4.6). A 401 refreshes the
 * token once; a challenge gets one reload of the page; then the failure is classified.
 */
export class ChatgptBackend {
  private token?: { value: string; expiresAt: number };

  constructor(
    private readonly browser: BrowserSession,
    private readonly app: string,
    private readonly rateLimitCooldownMs: number,
  ) {}

  /** Forgets the token (browser relaunched, account re-checked). */
  reset(): void {
    this.token = undefined;
  }

  /** The access token of the signed-in session; SIGNED_OUT when the session has none. */
  async accessToken(signal: AbortSignal, force = false): Promise<string> {
    if (!force && this.token && this.token.expiresAt - TOKEN_MARGIN_MS > Date.now()) return this.token.value;
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetch<{ accessToken?: string; expires?: string }>(
        `${this.app}/api/auth/session`,
        { headers: { accept: 'application/json' } },
        signal,
      );
      if (isChallenge(res) || res.status === 403) {
        if (attempt === 0) {
          await this.reloadPage(signal);
          continue;
        }
        throw new ProviderException('CHALLENGE', 'chatgpt.com shows a challenge page; solve it in a headed browser');
      }
      if (res.status >= 500) throw new ProviderException('PROVIDER_ERROR', `/api/auth/session answered ${res.status}`);
      const body = typeof res.body === 'object' && res.body ? res.body : {};
      if (!body.accessToken) {
        this.token = undefined;
        throw new ProviderException('SIGNED_OUT', 'chatgpt.com session has no access token: sign in again');
      }
      const expires = Date.parse(body.expires ?? '');
      this.token = {
        value: body.accessToken,
        expiresAt: Number.isFinite(expires) ? expires : Date.now() + 10 * 60_000,
      };
      return this.token.value;
    }
  }

  private async reloadPage(signal: AbortSignal): Promise<void> {
    await this.browser.navigate(this.app, `${this.app}/`, signal).catch(() => undefined);
  }

  private async fetch<T>(
    url: string,
    init: Parameters<BrowserSession['fetch']>[2],
    signal: AbortSignal,
  ): Promise<FetchResult<T>> {
    try {
      return await this.browser.fetch<T>(this.app, url, { timeoutMs: 30_000, ...init }, signal);
    } catch (error) {
      const timeout = error instanceof Error && error.name === 'TimeoutError';
      throw new ProviderException(timeout ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR', `ChatGPT ${url}: ${String(error)}`);
    }
  }

  private async deviceId(): Promise<string | undefined> {
    return (await this.browser.cookies(this.app).catch(() => [])).find((c) => c.name === 'oai-did')?.value;
  }

  /** One backend call with the session's token; answers 2xx and 404 (callers decide what a 404 means). */
  async call<T>(method: string, path: string, body: unknown, signal: AbortSignal): Promise<FetchResult<T>> {
    const device = await this.deviceId();
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken(signal, attempt > 0);
      const res = await this.fetch<T>(
        `${this.app}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(device ? { 'oai-device-id': device } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        signal,
      );
      if (res.status === 401 && attempt === 0) continue; // the token may have rotated: fetch a fresh one once
      if (isChallenge(res) && attempt === 0) {
        await this.reloadPage(signal);
        continue;
      }
      if (res.status === 401) throw new ProviderException('SIGNED_OUT', 'chatgpt.com rejected the session (401)');
      if (isChallenge(res) || res.status === 403) {
        throw new ProviderException('CHALLENGE', `chatgpt.com ${path} answered with a challenge (${res.status})`);
      }
      if (res.status === 429) {
        throw new ProviderException('RATE_LIMITED', 'chatgpt.com answered 429 Too Many Requests', undefined, {
          retryAfterMs: this.rateLimitCooldownMs,
        });
      }
      if (res.status >= 500 || (res.status >= 400 && res.status !== 404)) {
        throw new ProviderException('PROVIDER_ERROR', `chatgpt.com ${path} answered ${res.status}`);
      }
      return res;
    }
  }

  async conversation(id: string, signal: AbortSignal): Promise<ConversationJson> {
    const res = await this.call<ConversationJson>('GET', `/backend-api/conversation/${id}`, undefined, signal);
    if (res.status === 404) throw new ProviderException('GPT_NOT_FOUND', `Conversation ${id} not found`);
    if (!res.body || typeof res.body !== 'object' || !res.body.mapping) {
      throw new ProviderException('PROVIDER_ERROR', `Unexpected conversation answer for ${id}`);
    }
    return res.body;
  }

  /** `OK` when the conversation's image work has finished. */
  async asyncStatus(id: string, signal: AbortSignal): Promise<string> {
    const res = await this.call<{ status?: string }>(
      'POST',
      `/backend-api/conversation/${id}/async-status`,
      {},
      signal,
    );
    return (typeof res.body === 'object' && res.body?.status) || 'UNKNOWN';
  }

  async conversations(offset: number, limit: number, signal: AbortSignal) {
    const res = await this.call<{ items?: Array<{ id: string; update_time?: string | number; create_time?: string }> }>(
      'GET',
      `/backend-api/conversations?offset=${offset}&limit=${limit}&order=updated`,
      undefined,
      signal,
    );
    return (typeof res.body === 'object' && res.body?.items) || [];
  }

  async recentImages(limit: number, cursor: string | undefined, signal: AbortSignal) {
    const query = `limit=${limit}${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`;
    const res = await this.call<{ items?: Array<Record<string, unknown>>; cursor?: string | null }>(
      'GET',
      `/backend-api/my/recent/image_gen?${query}`,
      undefined,
      signal,
    );
    const body = typeof res.body === 'object' && res.body ? res.body : {};
    return { items: Array.isArray(body.items) ? body.items : [], cursor: body.cursor ?? null };
  }

  /** A pointer's signed download URL (estuary); null while the file is not there yet. */
  async downloadUrl(conversationId: string, pointer: string, signal: AbortSignal): Promise<string | null> {
    const fileId = pointer.replace(/^(?:sediment|file-service):\/\//, '');
    const path = pointer.startsWith('sediment://')
      ? `/backend-api/conversation/${conversationId}/attachment/${encodeURIComponent(fileId)}/download`
      : `/backend-api/files/${encodeURIComponent(fileId)}/download`;
    const res = await this.call<{ download_url?: string }>('GET', path, undefined, signal);
    if (res.status === 404) return null;
    const url = typeof res.body === 'object' ? res.body?.download_url : undefined;
    if (!url) throw new ProviderException('PROVIDER_ERROR', `No download URL for ${pointer}`);
    return new URL(url, this.app).toString();
  }

  /** File bytes fetched inside the page with the session's cookies (estuary URLs are signed and need them). */
  async bytes(url: string, signal: AbortSignal): Promise<FetchResult<Buffer>> {
    // Older file hosts (files.oaiusercontent.com) are fetched from a page of their own origin: no CORS in the way.
    const origin = new URL(url).origin;
    try {
      return await this.browser.fetch<Buffer>(
        origin,
        url,
        { responseType: 'bytes', timeoutMs: 60_000, credentials: 'include' },
        signal,
      );
    } catch (error) {
      const timeout = error instanceof Error && error.name === 'TimeoutError';
      throw new ProviderException(timeout ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR', `ChatGPT ${url}: ${String(error)}`);
    }
  }
}
