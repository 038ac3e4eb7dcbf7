import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserSession } from '@app/browser';
import { ProviderException } from '@app/contracts';
import { IdeogramAdapterConfig } from './ideogram-adapter.config.js';
import { IdeogramSession, type BearerToken } from './ideogram-session.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const MIN = 60_000;

/** The session with the page's IndexedDB record replaced by a scripted one (the page itself is an integration concern). */
class ScriptedSession extends IdeogramSession {
  stored?: BearerToken;
  reads = 0;
  refreshes = 0;
  /** What the page's own Firebase SDK stores after a reload. */
  next: Array<BearerToken | undefined> = [];

  protected override readPageToken(): Promise<BearerToken | undefined> {
    this.reads++;
    return Promise.resolve(this.stored);
  }

  protected override async refreshPageToken(): Promise<BearerToken | undefined> {
    this.refreshes++;
    await new Promise((r) => setTimeout(r, 5));
    this.stored = this.next.shift();
    return this.stored;
  }
}

const noBrowser = new Proxy({} as BrowserSession, {
  get: (_t, name) => {
    throw new Error(`browser.${String(name)} used unexpectedly`);
  },
});

const config = (over: Partial<IdeogramAdapterConfig> = {}) =>
  Object.assign(new IdeogramAdapterConfig(), { orgId: 'org-1', userId: 'user-1', ...over });
const signal = () => AbortSignal.timeout(5000);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('IdeogramSession tokens from the page', () => {
  it('uses the stored token while it has more than the margin left', async () => {
    const session = new ScriptedSession(noBrowser, config());
    session.stored = { value: 'a', expiresAt: T0 + 30 * MIN };
    expect(await session.bearer(signal())).toBe('a');
    expect(await session.bearer(signal())).toBe('a');
    expect(session.reads).toBe(1); // cached after the first read
    expect(session.refreshes).toBe(0);
    expect(await session.headers(signal())).toEqual({
      accept: '*/*',
      'content-type': 'application/json',
      'x-ideo-org': 'org-1',
      authorization: 'Bearer a',
    });
  });

  it('refreshes before expiry, also in the middle of a long run of calls', async () => {
    const session = new ScriptedSession(noBrowser, config({ tokenRefreshMarginMs: 5 * MIN }));
    session.stored = { value: 'a', expiresAt: T0 + 20 * MIN };
    session.next = [{ value: 'b', expiresAt: T0 + 80 * MIN }];
    expect(await session.bearer(signal())).toBe('a');
    vi.setSystemTime(T0 + 16 * MIN); // 4 minutes left: inside the margin
    expect(await session.bearer(signal())).toBe('b');
    expect(session.refreshes).toBe(1);
  });

  it('refreshes once for concurrent callers', async () => {
    const session = new ScriptedSession(noBrowser, config());
    session.stored = { value: 'old', expiresAt: T0 + MIN };
    session.next = [{ value: 'new', expiresAt: T0 + 60 * MIN }];
    const tokens = await Promise.all([session.bearer(signal()), session.bearer(signal()), session.refresh(signal())]);
    expect(tokens.map((t) => (typeof t === 'string' ? t : t?.value))).toEqual(['new', 'new', 'new']);
    expect(session.refreshes).toBe(1);
  });

  it('goes on with the cookie session when a reload brings no token, without reloading per call', async () => {
    const session = new ScriptedSession(noBrowser, config());
    session.stored = { value: 'old', expiresAt: T0 + MIN };
    session.next = [undefined];
    expect(await session.bearer(signal())).toBeUndefined();
    expect(await session.headers(signal())).not.toHaveProperty('authorization');
    expect(session.refreshes).toBe(1);
    expect(session.hasToken()).toBe(false);
  });

  it('takes a caller’s token for one call without touching its own', async () => {
    const session = new ScriptedSession(noBrowser, config());
    session.stored = { value: 'mine', expiresAt: T0 + 60 * MIN };
    expect((await session.headers(signal(), 'callers', false)).authorization).toBe('Bearer callers');
    expect(await session.headers(signal(), 'callers', false)).not.toHaveProperty('content-type');
    expect(session.reads).toBe(0);
    expect(await session.bearer(signal())).toBe('mine');
  });
});

describe('IdeogramSession tokens from IDEOGRAM_TOKEN_URL', () => {
  it('fetches once and caches until shortly before expiry', async () => {
    const fetchMock = vi.fn(() =>
      Promise.resolve(Response.json({ access_token: `tok-${fetchMock.mock.calls.length}`, expires_in: 3600 })),
    );
    vi.stubGlobal('fetch', fetchMock);
    const session = new ScriptedSession(noBrowser, config({ tokenUrl: 'https://tokens.example/ideogram' }));
    expect(await session.bearer(signal())).toBe('tok-1');
    expect(await session.bearer(signal())).toBe('tok-1');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0]).toEqual(['https://tokens.example/ideogram', expect.any(Object)]);
    vi.setSystemTime(T0 + 56 * MIN);
    expect(await session.bearer(signal())).toBe('tok-2');
    expect(session.reads + session.refreshes).toBe(0); // the page's token is not used in this mode
    expect(session.hasToken()).toBe(true);
  });

  it('calls a token source that answers without a token signed out', async () => {
    vi.stubGlobal('fetch', () => Promise.resolve(Response.json({ error: 'no' }, { status: 401 })));
    const session = new ScriptedSession(noBrowser, config({ tokenUrl: 'https://tokens.example/ideogram' }));
    const error = await session.bearer(signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderException);
    expect((error as ProviderException).code).toBe('SIGNED_OUT');
  });
});
