import { describe, expect, it } from 'vitest';
import { strictMock } from '../../../../test/strict-mock.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { NO_KEY_LIMITS, type ApiKey } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';
import { SESSION_COOKIE, SessionConfig, SessionService, readCookie, type SessionRequest } from './session.service.js';

const KEY: ApiKey = {
  id: '0b9d6c1e-5a61-4c55-9d4f-8c2a7a0c1f00',
  name: 'operator',
  prefix: 'gw_abc',
  scopes: ['midjourney'],
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  limits: NO_KEY_LIMITS,
};

function setup(config: Partial<SessionConfig> = {}, keys: Partial<ApiKeysService> = {}) {
  const keysDouble = strictMock<ApiKeysService>('ApiKeysService', keys);
  const sut = new SessionService(
    keysDouble,
    Object.assign(new SessionConfig(), { secret: 'unit-secret', ttlSeconds: 600, ...config }),
  );
  return { sut, keys: keysDouble };
}

const request = (over: { method?: string; headers?: Record<string, string>; protocol?: string } = {}) =>
  ({
    method: over.method ?? 'GET',
    headers: { host: 'gw.test', ...over.headers },
    protocol: over.protocol ?? 'http',
  }) as unknown as SessionRequest;

async function refusal(promise: Promise<unknown>, code: string): Promise<GatewayException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayException);
  expect((error as GatewayException).code).toBe(code);
  return error as GatewayException;
}

describe(SessionService.name, () => {
  it('issues a signed cookie naming the key id and expiry, never the key', () => {
    const { sut } = setup();
    const now = Date.parse('2026-12-07T16:00:00Z');
    const { cookie, claims, csrfToken } = sut.issue(KEY, now);
    expect(claims).toMatchObject({ keyId: KEY.id, expiresAt: now / 1000 + 600 });
    expect(cookie).not.toContain('gw_abc');
    expect(sut.verify(cookie, now)).toEqual(claims);
    expect(csrfToken).toBe(sut.csrfToken(claims));
    expect(sut.verify(cookie, now + 600_000)).toBeNull(); // expired
  });

  it('ends a session no later than its key expires', () => {
    const { sut } = setup();
    const now = Date.parse('2026-12-07T16:00:00Z');
    const { claims } = sut.issue({ ...KEY, expiresAt: '2026-12-07T16:01:00Z' }, now);
    expect(claims.expiresAt).toBe(now / 1000 + 60);
  });

  it('refuses cookies that were tampered with or signed with another secret', () => {
    const { sut } = setup();
    const { cookie } = sut.issue(KEY);
    const [payload, signature] = cookie.split('.');
    const forged = Buffer.from(JSON.stringify(['another-key-id', 9_999_999_999, 'n'])).toString('base64url');
    expect(sut.verify(`${forged}.${signature}`)).toBeNull();
    expect(sut.verify(`${payload}.${signature}x`)).toBeNull();
    expect(sut.verify(`${payload}.${signature}.extra`)).toBeNull();
    expect(sut.verify('garbage')).toBeNull();
    expect(setup({ secret: 'other-secret' }).sut.verify(cookie)).toBeNull();
  });

  it('answers undefined without a cookie, and never looks a key up then', async () => {
    const { sut, keys } = setup();
    await expect(sut.authenticate(request({ headers: { cookie: 'other=1' } }))).resolves.toBeUndefined();
    expect(keys.findActive).not.toHaveBeenCalled();
  });

  it('authenticates a read with the cookie alone and reads the key afresh', async () => {
    const { sut, keys } = setup({}, { findActive: async () => KEY });
    const { cookie, claims } = sut.issue(KEY);
    const req = request({ headers: { cookie: `a=b; ${SESSION_COOKIE}=${cookie}` } });
    await expect(sut.authenticate(req)).resolves.toBe(KEY);
    expect(keys.findActive).toHaveBeenCalledWith(KEY.id);
    expect(req.session).toEqual(claims);
  });

  it('ends the session when its key is revoked', async () => {
    const { sut } = setup(
      {},
      {
        findActive: async () => {
          throw new GatewayException('UNAUTHENTICATED', 'The session has ended: sign in again');
        },
      },
    );
    const { cookie } = sut.issue(KEY);
    await refusal(sut.authenticate(request({ headers: { cookie: `${SESSION_COOKIE}=${cookie}` } })), 'UNAUTHENTICATED');
  });

  it('refuses an expired or forged cookie with 401 before any lookup', async () => {
    const { sut, keys } = setup();
    await refusal(
      sut.authenticate(request({ headers: { cookie: `${SESSION_COOKIE}=forged.value` } })),
      'UNAUTHENTICATED',
    );
    expect(keys.findActive).not.toHaveBeenCalled();
  });

  it('needs the CSRF token on changes made with the cookie', async () => {
    const { sut, keys } = setup({}, { findActive: async () => KEY });
    const { cookie, csrfToken } = sut.issue(KEY);
    const headers = { cookie: `${SESSION_COOKIE}=${cookie}` };
    await refusal(sut.authenticate(request({ method: 'POST', headers })), 'CSRF_REJECTED');
    await refusal(
      sut.authenticate(request({ method: 'DELETE', headers: { ...headers, 'x-csrf-token': `${csrfToken}x` } })),
      'CSRF_REJECTED',
    );
    // Another session's token does not fit this one.
    const other = sut.issue(KEY).csrfToken;
    await refusal(
      sut.authenticate(request({ method: 'POST', headers: { ...headers, 'x-csrf-token': other } })),
      'CSRF_REJECTED',
    );
    expect(keys.findActive).not.toHaveBeenCalled();
    await expect(
      sut.authenticate(
        request({ method: 'POST', headers: { ...headers, 'x-csrf-token': csrfToken, origin: 'http://gw.test' } }),
      ),
    ).resolves.toBe(KEY);
  });

  it('refuses changes from another origin even with the token', async () => {
    const { sut } = setup({}, { findActive: async () => KEY });
    const { cookie, csrfToken } = sut.issue(KEY);
    const headers = { cookie: `${SESSION_COOKIE}=${cookie}`, 'x-csrf-token': csrfToken, origin: 'https://evil.test' };
    await refusal(sut.authenticate(request({ method: 'POST', headers })), 'CSRF_REJECTED');
    expect(() => sut.checkOrigin(request({ headers: { origin: 'null' } }))).toThrow(GatewayException);
    expect(() => sut.checkOrigin(request())).not.toThrow();
  });

  it('writes HttpOnly, SameSite=Strict cookies, Secure over https or when configured', () => {
    const { sut } = setup();
    const now = Date.parse('2026-12-07T16:00:00Z');
    const { cookie, claims } = sut.issue(KEY, now);
    const plain = sut.setCookie(cookie, claims, request(), now);
    expect(plain).toBe(`${SESSION_COOKIE}=${cookie}; Path=/; Max-Age=600; HttpOnly; SameSite=Strict`);
    expect(sut.setCookie(cookie, claims, request({ protocol: 'https' }), now)).toMatch(/; Secure$/);
    expect(setup({ secureCookies: true }).sut.clearCookie(request())).toBe(
      `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure`,
    );
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; gw_session=x.y; b=2', 'gw_session')).toBe('x.y');
    expect(readCookie('gw_sessionx=1', 'gw_session')).toBeUndefined();
    expect(readCookie(undefined, 'gw_session')).toBeUndefined();
  });
});
