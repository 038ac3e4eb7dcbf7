import { lookup } from 'node:dns/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderException } from '@app/contracts';
import { fetchPinned, isPrivateAddress } from '@app/net';
import { fetchExternalImage } from './url-guard.js';

// DNS and the network are replaced: every test states what the resolver and the server would answer. Guarded
// requests go through fetchPinned (libs/net, tested on loopback there), unguarded ones through fetch.
vi.mock('node:dns/promises', () => ({ lookup: vi.fn() }));
vi.mock('@app/net', async (actual) => ({ ...(await actual<typeof import('@app/net')>()), fetchPinned: vi.fn() }));
const lookupMock = vi.mocked(lookup) as unknown as ReturnType<typeof vi.fn>;
const pinnedMock = vi.mocked(fetchPinned);
const fetchMock = vi.fn<typeof fetch>();

const resolvesTo = (...addresses: string[]) =>
  lookupMock.mockResolvedValue(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

const image = (body: Buffer | string, headers: Record<string, string> = { 'content-type': 'image/png' }) =>
  new Response(typeof body === 'string' ? body : new Uint8Array(body), { status: 200, headers });

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderException);
  expect((error as ProviderException).code).toBe('UPLOAD_FAILED');
  expect((error as ProviderException).retriable).toBe(false);
  return (error as ProviderException).message;
}

beforeEach(() => {
  lookupMock.mockReset();
  fetchMock.mockReset();
  pinnedMock.mockReset();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('isPrivateAddress: range boundaries', () => {
  it.each([
    ['9.255.255.255', false],
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['100.63.255.255', false],
    ['100.64.0.0', true],
    ['100.127.255.255', true],
    ['126.255.255.255', false],
    ['127.0.0.0', true],
    ['128.0.0.0', false],
    ['169.253.255.255', false],
    ['169.254.0.0', true],
    ['169.255.0.0', false],
    ['192.0.0.8', true],
    ['192.0.1.1', false],
    ['192.167.255.255', false],
    ['192.168.255.255', true],
    ['192.169.0.0', false],
    ['198.17.255.255', false],
    ['198.18.0.0', true],
    ['198.19.255.255', true],
    ['198.20.0.0', false],
    ['223.255.255.255', false],
    ['239.255.255.250', true], // multicast (SSDP)
    ['240.0.0.1', true],
    ['255.255.255.255', true], // broadcast
    ['0.1.2.3', true],
    ['1.1.1.1', false],
  ])('%s → %s', (address, isPrivate) => {
    expect(isPrivateAddress(address)).toBe(isPrivate);
  });
});

describe('isPrivateAddress: IPv6 spellings', () => {
  it.each([
    '0:0:0:0:0:0:0:1', // loopback, uncompressed
    '0:0:0:0:0:0:0:0',
    'FE80::ABCD', // link-local, upper case
    'febf:ffff::1', // last block of fe80::/10
    'fc00::1', // unique local, lower half of fc00::/7
    'fdff:ffff::1',
    'ff02::1', // multicast
    '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
    '::FFFF:7F00:1', // mapped loopback, upper case
    '::ffff:a00:1', // mapped 10.0.0.1, hex
    '::ffff:c0a8:0101', // mapped 192.168.1.1, zero-padded groups
    '::ffff:169.254.169.254', // mapped metadata, dotted
    '0:0:0:0:0:ffff:7f00:1', // mapped, uncompressed
    'fe80::1%eth0', // scoped link-local
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['2001:4860:4860::8888', 'fb00::1', '::ffff:1.1.1.1', '::ffff:101:101', '2a00:1450::200e'])(
    'allows %s',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it.each(['', 'localhost', '127.0.0.1.nip.io', '1.2.3', '[::1]', '::ffff:127.0.0.1:80'])(
    'refuses %j because it is not an address at all',
    (address) => {
      expect(isPrivateAddress(address)).toBe(true);
    },
  );
});

describe('fetchExternalImage: what is refused before any request', () => {
  const guarded = (url: string) => fetchExternalImage(url, { allowPrivate: false, maxBytes: 1000 });

  it.each(['ftp://example.com/a.png', 'data:image/png;base64,iVBORw0KGgo=', 'javascript:alert(1)', 'gopher://x/'])(
    'refuses the %s scheme even when private addresses are allowed',
    async (url) => {
      expect(await refusal(fetchExternalImage(url, { allowPrivate: true, maxBytes: 1000 }))).toMatch(/http\(s\)/);
      expect(fetchMock).not.toHaveBeenCalled();
    },
  );

  it.each([
    'http://2130706433/a.png', // 127.0.0.1 as one decimal number
    'http://0x7f.1/a.png', // hex and short form
    'http://017700000001/a.png', // octal
    'http://127.1/a.png',
    'http://user@169.254.169.254/latest/meta-data', // userinfo before a metadata address
    'http://[::ffff:127.0.0.1]:8080/a.png',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/a.png',
    'https://[fd00::1]/a.png',
    'http://0.0.0.0:3000/a.png',
  ])('refuses the literal address in %s without resolving it', async (url) => {
    expect(await refusal(guarded(url))).toMatch(/private address/);
    expect(lookupMock).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(pinnedMock).not.toHaveBeenCalled();
  });

  it('refuses a host name when any of its addresses is private (one bad record is enough)', async () => {
    resolvesTo('93.184.216.34', '10.0.0.5');
    expect(await refusal(guarded('https://images.example.com/a.png'))).toMatch(/private address/);
    expect(lookupMock).toHaveBeenCalledWith('images.example.com', { all: true });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(pinnedMock).not.toHaveBeenCalled();
  });

  it('refuses a host name resolving to the IPv6 loopback', async () => {
    resolvesTo('::1');
    expect(await refusal(guarded('http://localhost/a.png'))).toMatch(/private address/);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('refuses a host that does not resolve, or resolves to nothing', async () => {
    lookupMock.mockRejectedValue(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    expect(await refusal(guarded('https://nowhere.invalid/a.png'))).toMatch(/Cannot resolve nowhere\.invalid/);
    resolvesTo();
    expect(await refusal(guarded('https://empty.example/a.png'))).toMatch(/Cannot resolve/);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('fetchExternalImage: requests it makes', () => {
  const png = Buffer.from('89504e470d0a1a0a', 'hex');

  it('connects a public host to the address it checked, never resolving it again (DNS rebinding)', async () => {
    resolvesTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946');
    pinnedMock.mockResolvedValue(image(png));
    const result = await fetchExternalImage('https://images.example.com/a.png?x=1', {
      allowPrivate: false,
      maxBytes: 1000,
    });
    expect(lookupMock).toHaveBeenCalledOnce();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(pinnedMock).toHaveBeenCalledOnce();
    const [url, pinned, init] = pinnedMock.mock.calls[0];
    expect(url.href).toBe('https://images.example.com/a.png?x=1');
    expect(pinned).toEqual({ address: '93.184.216.34', family: 4 });
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    expect(result.bytes.equals(png)).toBe(true);
    expect(result.contentType).toBe('image/png');
  });

  it('does not follow a redirect of a guarded fetch (it could lead to a private address)', async () => {
    resolvesTo('93.184.216.34');
    pinnedMock.mockResolvedValue(new Response(null, { status: 302, headers: { location: 'http://127.0.0.1/' } }));
    expect(
      await refusal(fetchExternalImage('https://images.example.com/a.png', { allowPrivate: false, maxBytes: 1000 })),
    ).toMatch(/HTTP 302/);
    expect(pinnedMock).toHaveBeenCalledOnce();
  });

  it('skips DNS and follows redirects when private addresses are allowed (simulator, tests)', async () => {
    fetchMock.mockResolvedValue(image(png, { 'content-type': 'image/jpeg' }));
    await fetchExternalImage('http://sim.local/a.jpg', { allowPrivate: true, maxBytes: 1000 });
    expect(lookupMock).not.toHaveBeenCalled();
    expect(fetchMock.mock.calls[0][1]?.redirect).toBe('follow');
  });

  it('aborts the request when the caller’s signal aborts', async () => {
    resolvesTo('93.184.216.34');
    pinnedMock.mockResolvedValue(image(png));
    const controller = new AbortController();
    await fetchExternalImage('https://images.example.com/a.png', {
      allowPrivate: false,
      maxBytes: 1000,
      signal: controller.signal,
    });
    const passed = pinnedMock.mock.calls[0][2]?.signal;
    expect(passed?.aborted).toBe(false);
    controller.abort();
    expect(passed?.aborted).toBe(true);
  });

  it('wraps network failures and timeouts as UPLOAD_FAILED', async () => {
    fetchMock.mockRejectedValue(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(await refusal(fetchExternalImage('http://sim.local/a.png', { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /could not be fetched.*timeout/,
    );
  });

  it('normalises the content type and accepts every image type MJ takes', async () => {
    for (const type of ['image/png', 'image/jpeg', 'image/jpg', 'image/webp', 'image/gif']) {
      fetchMock.mockResolvedValueOnce(image(png, { 'content-type': `${type}; charset=binary` }));
      const result = await fetchExternalImage('http://sim.local/a', { allowPrivate: true, maxBytes: 1000 });
      expect(result.contentType).toBe(type);
    }
  });

  it.each(['image/svg+xml', 'text/html', 'application/octet-stream'])('refuses the content type %s', async (type) => {
    fetchMock.mockResolvedValue(image(png, { 'content-type': type }));
    expect(await refusal(fetchExternalImage('http://sim.local/a', { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /has type/,
    );
  });

  it('refuses a declared length over the limit without reading the body', async () => {
    const response = image(png, { 'content-type': 'image/png', 'content-length': '1001' });
    const read = vi.spyOn(response, 'arrayBuffer');
    fetchMock.mockResolvedValue(response);
    expect(await refusal(fetchExternalImage('http://sim.local/a', { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /too large/,
    );
    expect(read).not.toHaveBeenCalled();
  });

  it('measures the body too when the length header lies, and accepts exactly the limit', async () => {
    fetchMock.mockResolvedValueOnce(image(Buffer.alloc(11), { 'content-type': 'image/png', 'content-length': '5' }));
    expect(await refusal(fetchExternalImage('http://sim.local/a', { allowPrivate: true, maxBytes: 10 }))).toMatch(
      /too large/,
    );
    fetchMock.mockResolvedValueOnce(image(Buffer.alloc(10)));
    const exact = await fetchExternalImage('http://sim.local/a', { allowPrivate: true, maxBytes: 10 });
    expect(exact.bytes).toHaveLength(10);
  });

  it('reports the upstream status of a failed fetch', async () => {
    fetchMock.mockResolvedValue(new Response('nope', { status: 410 }));
    expect(await refusal(fetchExternalImage('http://sim.local/a', { allowPrivate: true, maxBytes: 10 }))).toMatch(
      /HTTP 410/,
    );
  });
});
