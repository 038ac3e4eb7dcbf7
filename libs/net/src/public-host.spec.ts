import { lookup } from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import { LOOKUP_TIMEOUT_CODE, PRIVATE_ADDRESS_CODE, privateHostReason, publicOnlyLookup } from './public-host.js';

describe('privateHostReason', () => {
  it.each([
    'http://127.0.0.1/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://[::1]/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://127.1/',
    'http://127.0.0.2/',
    'http://0.0.0.0/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::]/',
  ])('refuses %s', async (url) => {
    await expect(privateHostReason(new URL(url))).resolves.toMatch(/private address|loopback name/);
  });

  it('gives up on a resolver that does not answer in time, with its own code', async () => {
    const started = Date.now();
    const never = () => new Promise<Array<{ address: string }>>(() => undefined);
    await expect(
      privateHostReason(new URL('http://slow.invalid/hook'), { timeoutMs: 100, resolve: never }),
    ).rejects.toMatchObject({ code: LOOKUP_TIMEOUT_CODE });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers from the given resolver in time', async () => {
    const loopback = () => Promise.resolve([{ address: '127.0.0.1' }]);
    await expect(
      privateHostReason(new URL('http://rebind.invalid/hook'), { timeoutMs: 1000, resolve: loopback }),
    ).resolves.toMatch(/resolves to a private address \(127\.0\.0\.1\)/);
  });

  it('accepts a public literal address without resolving it', async () => {
    await expect(privateHostReason(new URL('http://[2606:4700::1111]/'))).resolves.toBeUndefined();
  });
});

describe('publicOnlyLookup', () => {
  it('refuses a name whose answers include a private address, with its own code', async () => {
    // Skipped silently would hide a broken guard: the machine must resolve localhost to loopback.
    expect((await lookup('localhost', { all: true })).length).toBeGreaterThan(0);
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', { all: true }, (err) => resolve(err)),
    );
    expect(error?.code).toBe(PRIVATE_ADDRESS_CODE);
  });
});
