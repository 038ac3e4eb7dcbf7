import { Injectable, Logger } from '@nestjs/common';
import type { HTTPRequest, Page } from 'puppeteer-core';
import { BrowserSession } from '@app/browser';
import { ProviderException } from '@app/contracts';
import type { AccountCheck } from '@app/provider-adapter';
import { IdeogramAdapterConfig } from './ideogram-adapter.config.js';

export interface BearerToken {
  value: string;
  /** Epoch ms. */
  expiresAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOME = '/t/explore';

/**
 * The account's session on ideogram.ai, read from the signed-in profile: the sign-in state (the page's markers), the
 * org id (the `x-ideo-org` header the page itself sends), the user id (`/api/account/login`) and the Bearer token
 * (the Firebase record in IndexedDB, or IDEOGRAM_TOKEN_URL), refreshed before it expires.
 */
@Injectable()
export class IdeogramSession {
  private readonly logger = new Logger(IdeogramSession.name);
  readonly app: string;
  private orgId?: string;
  private userId?: string;
  private token?: BearerToken;
  /** True once the page was seen to keep no token record (cookie-only session): no waiting for one per call. */
  private tokenless = false;
  private refreshing?: Promise<BearerToken | undefined>;
  private readonly watched = new WeakSet<Page>();

  constructor(
    private readonly browser: BrowserSession,
    private readonly config: IdeogramAdapterConfig,
  ) {
    this.app = new URL(config.appUrl).origin;
    this.orgId = config.orgId;
    this.userId = config.userId;
  }

  // ------------------------------------------------------------ sign-in

  /** Sign-in check on the app page (a challenge gets one reload); learns org id, user id and the token. */
  async check(signal: AbortSignal): Promise<AccountCheck> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const marker = await this.pageMarker(signal);
      if (marker === 'in') {
        await this.learnIdentity(signal);
        return { signedIn: true, state: 'ready' };
      }
      if (marker === 'out') {
        return { signedIn: false, state: 'signed_out', detail: 'Ideogram shows "Sign in": re-import the cookies' };
      }
      if (marker === 'challenge' && attempt === 1) {
        return { signedIn: false, state: 'challenge', detail: 'Cloudflare challenge persists after a reload' };
      }
    }
    return { signedIn: false, state: 'error', detail: `Neither the editor nor "Sign in" appeared on ${HOME}` };
  }

  private async pageMarker(signal: AbortSignal): Promise<'in' | 'out' | 'challenge' | null> {
    this.watch(await this.browser.page(this.app, `${this.app}${HOME}`));
    const page = await this.browser.navigate(this.app, `${this.app}${HOME}`, signal);
    this.watch(page);
    const handle = await page
      .waitForFunction(
        () => {
          if (/moment/i.test(document.title) || document.querySelector('#challenge-platform, [id^="cf-chl"]')) {
            return 'challenge';
          }
          if (document.querySelector('.tiptap-prompt-editor, [data-testid="generate-button"]')) return 'in';
          const text = (document.body?.innerText ?? '').toLowerCase();
          if (/sign in|log in|continue with google|sign up/.test(text)) return 'out';
          return false;
        },
        { timeout: this.config.pageTimeoutMs, polling: 200 },
      )
      .catch(() => null);
    return ((await handle?.jsonValue()) as 'in' | 'out' | 'challenge' | undefined) ?? null;
  }

  /** The web app sends `x-ideo-org` on its own API calls: read it from the page's requests. */
  private watch(page: Page): void {
    if (this.watched.has(page)) return;
    this.watched.add(page);
    page.on('request', (request: HTTPRequest) => {
      if (this.config.orgId || !request.url().startsWith(`${this.app}/api/`)) return;
      const org = request.headers()['x-ideo-org'];
      if (org) this.orgId = org;
    });
  }

  private async learnIdentity(signal: AbortSignal): Promise<void> {
    const until = Date.now() + this.config.pageTimeoutMs;
    while (!this.orgId && Date.now() < until) await sleep(100);
    if (!this.orgId) {
      throw new ProviderException('SIGNED_OUT', 'No x-ideo-org seen from the signed-in page; set IDEOGRAM_ORG_ID');
    }
    // A fresh look at the token: the profile may have been refreshed or replaced while the worker was away.
    this.token = undefined;
    this.tokenless = false;
    if (!this.config.tokenUrl) this.token = await this.waitForPageToken(signal, 3000);
    this.tokenless = !this.config.tokenUrl && !this.token;
    if (!this.userId) {
      const res = await this.browser.fetch<{ user_model?: { user_id?: string } }>(
        this.app,
        `${this.app}/api/account/login`,
        {
          method: 'POST',
          headers: await this.headers(signal),
          body: JSON.stringify({ external_photo_url: null }),
          timeoutMs: 30_000,
        },
        signal,
      );
      const id = res.body?.user_model?.user_id;
      if (!res.ok || !id) {
        throw new ProviderException('SIGNED_OUT', `Ideogram /api/account/login answered ${res.status} without a user`);
      }
      this.userId = id;
    }
  }

  /** User and org id of the account, checking the session first when they are not known yet. */
  async identity(signal: AbortSignal): Promise<{ userId: string; orgId: string }> {
    if (!this.userId || !this.orgId) {
      const check = await this.check(signal);
      if (!check.signedIn) {
        throw new ProviderException(
          check.state === 'challenge' ? 'CHALLENGE' : 'SIGNED_OUT',
          check.detail ?? 'Not signed in',
        );
      }
    }
    return { userId: this.userId!, orgId: this.orgId! };
  }

  /** Headers of every API call (PROVIDERS.md §3.1); `callerToken` replaces the account's token for one call. */
  async headers(signal: AbortSignal, callerToken?: string, json = true): Promise<Record<string, string>> {
    const bearer = callerToken ?? (await this.bearer(signal));
    return {
      accept: '*/*',
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(this.orgId ? { 'x-ideo-org': this.orgId } : {}),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    };
  }

  // ------------------------------------------------------------ token

  /** The account's token, refreshed first when it expires within the margin; undefined for a cookie-only session. */
  async bearer(signal: AbortSignal): Promise<string | undefined> {
    if (this.tokenless) return undefined;
    const margin = this.config.tokenRefreshMarginMs;
    if (this.token && this.token.expiresAt - Date.now() > margin) return this.token.value;
    if (this.config.tokenUrl) return (await this.refresh(signal))?.value;
    if (!this.token) {
      this.token = await this.readPageToken();
      if (this.token && this.token.expiresAt - Date.now() > margin) return this.token.value;
    }
    return (await this.refresh(signal))?.value;
  }

  /** Forces a new token (after a 401, or close to expiry); single-flight. */
  refresh(signal: AbortSignal): Promise<BearerToken | undefined> {
    this.refreshing ??= (this.config.tokenUrl ? this.fetchTokenUrl(signal) : this.refreshPageToken(signal))
      .then((token) => {
        this.token = token;
        // No token after a reload: go on with the cookie session (a 401 will tell) instead of reloading per call.
        if (!token && !this.config.tokenUrl) this.tokenless = true;
        return token;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** True when calls carry a token the adapter can refresh (a 401 is then worth one refresh). */
  hasToken(): boolean {
    return !!this.token || !!this.config.tokenUrl;
  }

  private async fetchTokenUrl(signal: AbortSignal): Promise<BearerToken> {
    const res = await fetch(this.config.tokenUrl!, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
      headers: { accept: 'application/json' },
    }).catch((error: unknown) => {
      throw new ProviderException('PROVIDER_ERROR', `Token source unreachable: ${String(error)}`);
    });
    const body = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    if (!res.ok || typeof body?.access_token !== 'string' || !body.access_token) {
      throw new ProviderException('SIGNED_OUT', `Token source answered ${res.status} without an access_token`);
    }
    const seconds = Number(body.expires_in);
    return { value: body.access_token, expiresAt: Date.now() + (Number.isFinite(seconds) ? seconds : 3600) * 1000 };
  }

  /**
   * Makes the page's own Firebase SDK refresh the token: mark the stored record expired, reload, and wait for the
   * new record. No Firebase key or refresh call of our own is needed, and the profile keeps the rotated tokens.
   */
  protected async refreshPageToken(signal: AbortSignal): Promise<BearerToken | undefined> {
    const page = await this.browser.page(this.app, `${this.app}${HOME}`);
    await page.evaluate(expireStoredToken).catch(() => undefined);
    await this.browser.navigate(this.app, `${this.app}${HOME}`, signal).catch((error: unknown) => {
      this.logger.warn(`reload for a token refresh failed: ${String(error)}`);
    });
    const token = await this.waitForPageToken(signal, this.config.pageTimeoutMs);
    if (!token) this.logger.warn('the page kept no fresh token after a reload');
    return token;
  }

  /** Waits for a token record with time left; stops early when the page shows it is signed out. */
  private async waitForPageToken(signal: AbortSignal, timeoutMs: number): Promise<BearerToken | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const token = await this.readPageToken();
      if (token && token.expiresAt - Date.now() > this.config.tokenRefreshMarginMs) return token;
      if (Date.now() >= until || signal.aborted || (await this.showsSignedOut())) return undefined;
      await sleep(200);
    }
  }

  private async showsSignedOut(): Promise<boolean> {
    const page = await this.browser.page(this.app, `${this.app}${HOME}`);
    return page
      .evaluate(
        () =>
          !document.querySelector('.tiptap-prompt-editor, [data-testid="generate-button"]') &&
          /sign in|log in|continue with google|sign up/i.test(document.body?.innerText ?? ''),
      )
      .catch(() => false);
  }

  /** IndexedDB `firebaseLocalStorageDb` → `firebaseLocalStorage` → `firebase:authUser:<key>:[DEFAULT]`. */
  protected async readPageToken(): Promise<BearerToken | undefined> {
    const page = await this.browser.page(this.app, `${this.app}${HOME}`);
    const stm = await page.evaluate(readStoredToken).catch(() => null);
    if (!stm?.accessToken || !Number.isFinite(stm.expirationTime)) return undefined;
    return { value: stm.accessToken, expiresAt: stm.expirationTime };
  }
}

/** Runs in the page: the Firebase token record, without creating the database when it does not exist. */
async function readStoredToken(): Promise<{ accessToken: string; expirationTime: number } | null> {
  const dbs = await indexedDB.databases();
  if (!dbs.some((d) => d.name === 'firebaseLocalStorageDb')) return null;
  return new Promise((resolve) => {
    const open = indexedDB.open('firebaseLocalStorageDb');
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('firebaseLocalStorage')) {
        db.close();
        resolve(null);
        return;
      }
      const all = db.transaction('firebaseLocalStorage', 'readonly').objectStore('firebaseLocalStorage').getAll();
      all.onerror = () => resolve(null);
      all.onsuccess = () => {
        db.close();
        const records = all.result as Array<{
          fbase_key?: string;
          value?: { stsTokenManager?: { accessToken: string; expirationTime: number } };
        }>;
        const user = records.find((r) => String(r.fbase_key).startsWith('firebase:authUser:'));
        resolve(user?.value?.stsTokenManager ?? null);
      };
    };
  });
}

/** Runs in the page: marks the stored token expired so the page's Firebase SDK refreshes it on the next load. */
async function expireStoredToken(): Promise<boolean> {
  const dbs = await indexedDB.databases();
  if (!dbs.some((d) => d.name === 'firebaseLocalStorageDb')) return false;
  return new Promise((resolve) => {
    const open = indexedDB.open('firebaseLocalStorageDb');
    open.onerror = () => resolve(false);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('firebaseLocalStorage')) {
        db.close();
        resolve(false);
        return;
      }
      const tx = db.transaction('firebaseLocalStorage', 'readwrite');
      const store = tx.objectStore('firebaseLocalStorage');
      const all = store.getAll();
      all.onsuccess = () => {
        for (const record of all.result as Array<{
          fbase_key?: string;
          value?: { stsTokenManager?: { expirationTime: number } };
        }>) {
          if (String(record.fbase_key).startsWith('firebase:authUser:') && record.value?.stsTokenManager) {
            record.value.stsTokenManager.expirationTime = 0;
            store.put(record);
          }
        }
      };
      tx.oncomplete = () => {
        db.close();
        resolve(true);
      };
      tx.onerror = () => resolve(false);
    };
  });
}
