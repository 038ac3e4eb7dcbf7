import { describe, expect, it, vi } from 'vitest';
import { GatewayException } from '../errors/gateway.exception.js';
import { hashKey, keyAllows, newPlainKey, NO_KEY_LIMITS, type ApiKey } from './api-key.js';
import type { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService, AuthConfig } from './api-keys.service.js';

const stored = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: 'k1',
  name: 'n8n',
  prefix: 'gw_abc',
  scopes: ['midjourney'],
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  limits: NO_KEY_LIMITS,
  ...over,
});

function repo(found: ApiKey | null) {
  return {
    findByHash: vi.fn(async () => found),
    insert: vi.fn(async (k: { id: string; name: string; prefix: string; scopes: string[]; expiresAt: string | null }) =>
      stored({ ...k }),
    ),
    revoke: vi.fn(async (id: string) => (id === 'k1' ? stored({ revokedAt: '2026-02-01T00:00:00.000Z' }) : null)),
    list: vi.fn(async () => [stored()]),
    restore: vi.fn(async (id: string, scopes: string[]) => stored({ id, scopes })),
  };
}

const service = (r: ReturnType<typeof repo>, bootstrapKey?: string) =>
  new ApiKeysService(r as unknown as ApiKeysRepository, Object.assign(new AuthConfig(), { bootstrapKey }));

async function refusal(promise: Promise<unknown>): Promise<GatewayException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayException);
  expect((error as GatewayException).code).toBe('UNAUTHENTICATED');
  return error as GatewayException;
}

describe('API keys', () => {
  it('are long random strings stored only as their SHA-256', () => {
    const a = newPlainKey();
    expect(a).toMatch(/^gw_[A-Za-z0-9_-]{32}$/);
    expect(newPlainKey()).not.toBe(a);
    expect(hashKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(a)).not.toContain(a);
  });

  it('allow their own scopes, or everything with *', () => {
    expect(keyAllows({ scopes: ['midjourney'] }, 'midjourney')).toBe(true);
    expect(keyAllows({ scopes: ['midjourney'] }, 'ideogram')).toBe(false);
    expect(keyAllows({ scopes: ['midjourney'] }, 'admin')).toBe(false);
    expect(keyAllows({ scopes: ['*'] }, 'admin')).toBe(true);
  });
});

describe('ApiKeysService', () => {
  it('authenticates by hash and caches the lookup', async () => {
    const r = repo(stored());
    const keys = service(r);
    expect((await keys.authenticate('gw_secret')).id).toBe('k1');
    await keys.authenticate('gw_secret');
    expect(r.findByHash).toHaveBeenCalledTimes(1);
    expect(r.findByHash).toHaveBeenCalledWith(hashKey('gw_secret'));
  });

  it('refuses missing, unknown, revoked and expired keys alike', async () => {
    expect((await refusal(service(repo(stored())).authenticate(undefined))).message).toMatch(/required/);
    await refusal(service(repo(null)).authenticate('gw_unknown'));
    await refusal(service(repo(stored({ revokedAt: '2026-01-02T00:00:00.000Z' }))).authenticate('gw_x'));
    expect(
      (await refusal(service(repo(stored({ expiresAt: new Date(Date.now() - 1).toISOString() }))).authenticate('gw_x')))
        .message,
    ).toMatch(/expired/);
  });

  it('forgets cached keys when one is revoked', async () => {
    const r = repo(stored());
    const keys = service(r);
    await keys.authenticate('gw_secret');
    r.findByHash.mockResolvedValue(stored({ revokedAt: '2026-02-01T00:00:00.000Z' }));
    await keys.revoke('k1');
    await refusal(keys.authenticate('gw_secret'));
    expect(r.revoke).toHaveBeenCalledWith('k1');
  });

  it('answers NOT_FOUND for revoking an unknown key', async () => {
    await expect(service(repo(null)).revoke('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('creates keys with a prefix and returns the plaintext once', async () => {
    const r = repo(null);
    const { key, plain } = await service(r).create({
      name: 'ci',
      scopes: ['ideogram'],
      expiresAt: '2027-01-01T00:00:00.000Z',
    });
    expect(plain).toMatch(/^gw_/);
    const inserted = r.insert.mock.calls[0][0] as unknown as { hash: string; prefix: string; expiresAt: string };
    expect(inserted.hash).toBe(hashKey(plain));
    expect(inserted.prefix).toBe(plain.slice(0, 6));
    expect(inserted.expiresAt).toBe('2027-01-01T00:00:00.000Z');
    expect(JSON.stringify(key)).not.toContain(plain);
  });

  it('shows at most 6 characters of a key, and never more than a third of it', async () => {
    const r = repo(null);
    await service(r).create({ name: 'short', scopes: ['*'], plain: 'abcdefghi' });
    await service(r).create({ name: 'long', scopes: ['*'], plain: `gw_${'x'.repeat(40)}` });
    expect(r.insert.mock.calls.map(([k]) => (k as { prefix: string }).prefix)).toEqual(['abc', 'gw_xxx']);
  });

  it('refuses to create a key that has already expired', async () => {
    const r = repo(null);
    await expect(
      service(r).create({ name: 'late', scopes: ['*'], expiresAt: new Date(Date.now() - 1000).toISOString() }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/expires_at/) });
    expect(r.insert).not.toHaveBeenCalled();
  });

  it('ensures the bootstrap key exists with scope * (once)', async () => {
    const missing = repo(null);
    await service(missing, 'gw_bootstrap_value').ensureConfiguredBootstrap();
    expect(missing.insert).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'bootstrap', scopes: ['*'], hash: hashKey('gw_bootstrap_value') }),
    );
    const present = repo(stored({ scopes: ['*'] }));
    await service(present, 'gw_bootstrap_value').ensureConfiguredBootstrap();
    expect(present.insert).not.toHaveBeenCalled();
    expect(present.restore).not.toHaveBeenCalled();
  });

  it.each([
    ['revoked', stored({ scopes: ['*'], revokedAt: '2026-02-01T00:00:00.000Z' })],
    ['expired', stored({ scopes: ['*'], expiresAt: '2026-01-02T00:00:00.000Z' })],
    ['narrowed', stored({ scopes: ['midjourney'] })],
  ])('restores a %s bootstrap key at start instead of leaving the promised key unusable', async (_case, key) => {
    const r = repo(key);
    const keys = service(r, 'gw_bootstrap_value');
    await keys.ensureConfiguredBootstrap();
    expect(r.restore).toHaveBeenCalledWith('k1', ['*']);
    expect(r.insert).not.toHaveBeenCalled();
    // The hash is looked up afresh after the restore: no stale "revoked" answer from the cache.
    r.findByHash.mockResolvedValue(stored({ scopes: ['*'] }));
    expect((await keys.authenticate('gw_bootstrap_value')).scopes).toEqual(['*']);
  });
});
