import { describe, expect, it } from 'vitest';
import { assertSafeObjectPath, signObjectPath, verifyObjectSignature } from './signing.js';

describe('object signatures', () => {
  const sig = signObjectPath('secret', 'product-designs', 'a/b.png');

  it('verifies a signature made with the same secret for the same object only', () => {
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyObjectSignature('secret', 'product-designs', 'a/b.png', sig)).toBe(true);
    expect(verifyObjectSignature('other', 'product-designs', 'a/b.png', sig)).toBe(false);
    expect(verifyObjectSignature('secret', 'product-designs', 'a/c.png', sig)).toBe(false);
    expect(verifyObjectSignature('secret', 'other-bucket', 'a/b.png', sig)).toBe(false);
  });

  it('rejects missing, malformed and truncated signatures without throwing', () => {
    for (const bad of [undefined, '', 'zz', sig.slice(0, 63), sig.toUpperCase(), `${sig}00`]) {
      expect(verifyObjectSignature('secret', 'product-designs', 'a/b.png', bad)).toBe(false);
    }
  });
});

describe('assertSafeObjectPath', () => {
  it('accepts nested relative paths', () => {
    expect(() => assertSafeObjectPath('product-designs', 'product_design/123/generated_1_0.png')).not.toThrow();
  });

  it.each([
    ['b', '../etc/passwd'],
    ['b', 'a/../../x'],
    ['b', '/abs'],
    ['b', 'a//b'],
    ['b', 'a/./b'],
    ['b', 'a\\b'],
    ['b', 'nul\0byte'],
    ['b', ''],
    ['a/b', 'x.png'],
    ['..', 'x.png'],
    ['', 'x.png'],
  ])('refuses bucket %j path %j', (bucket, path) => {
    expect(() => assertSafeObjectPath(bucket, path)).toThrow(/Unsafe/);
  });
});
