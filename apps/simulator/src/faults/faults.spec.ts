import { describe, expect, it } from 'vitest';
import { FaultRegistry } from './faults.js';

describe('FaultRegistry', () => {
  it('refuses unknown faults with the list of known ones', () => {
    const registry = new FaultRegistry();
    expect(() => registry.add({ provider: 'midjourney', fault: 'meteor' as never })).toThrow(
      /unknown fault meteor; known: unauthorized/,
    );
  });

  it('fires a counted fault that many times, then never again', () => {
    const registry = new FaultRegistry();
    registry.add({ provider: 'midjourney', fault: 'rate_limit', endpoint: 'submit', times: 2 });
    const take = () => registry.take('midjourney', 'submit', 'default', ['rate_limit']);
    expect(take()?.fault).toBe('rate_limit');
    expect(take()?.fault).toBe('rate_limit');
    expect(take()).toBeUndefined();
    expect(registry.list()).toEqual([]);
  });

  it('matches provider, endpoint and account', () => {
    const registry = new FaultRegistry();
    registry.add({ provider: 'midjourney', fault: 'server_error', endpoint: 'api', account: 'a' });
    expect(registry.has('midjourney', 'status', 'a', 'server_error')).toBe(true);
    expect(registry.has('midjourney', 'cdn', 'a', 'server_error')).toBe(false); // api excludes the CDN
    expect(registry.has('midjourney', 'page', 'a', 'server_error')).toBe(false);
    expect(registry.has('midjourney', 'status', 'b', 'server_error')).toBe(false);
    expect(registry.has('ideogram', 'status', 'a', 'server_error')).toBe(false);
    expect(registry.has('midjourney', 'status', 'a', 'stuck')).toBe(false);
  });

  it('lets has() look without consuming, and take() pick only among the asked names', () => {
    const registry = new FaultRegistry();
    registry.add({ provider: 'midjourney', fault: 'unauthorized', times: 1 });
    expect(registry.has('midjourney', 'submit', undefined, 'unauthorized')).toBe(true);
    expect(registry.has('midjourney', 'submit', undefined, 'unauthorized')).toBe(true);
    expect(registry.take('midjourney', 'submit', undefined, ['challenge'])).toBeUndefined();
    expect(registry.take('midjourney', 'submit', undefined, ['challenge', 'unauthorized'])?.fault).toBe('unauthorized');
    expect(registry.has('midjourney', 'submit', undefined, 'unauthorized')).toBe(false);
  });

  it('clears everything', () => {
    const registry = new FaultRegistry();
    registry.add({ provider: 'midjourney', fault: 'stuck' });
    registry.clear();
    expect(registry.list()).toHaveLength(0);
  });
});
