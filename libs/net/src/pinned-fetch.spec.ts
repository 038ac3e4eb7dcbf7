import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPinned } from './pinned-fetch.js';

// A loopback server stands in for the address a host name was checked to resolve to. The names below are under
// `.invalid` (RFC 6761): they resolve nowhere, so any answer proves no second lookup happened.
let server: Server;
let port: number;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/moved') {
      res.writeHead(302, { location: 'http://127.0.0.1:1/private' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', 'x-twice': ['a', 'b'] }).end('png-bytes');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe(fetchPinned.name, () => {
  it('connects to the pinned address, not to what the host name resolves to, and keeps the host name', async () => {
    const res = await fetchPinned(new URL(`http://images.rebind.invalid:${port}/a.png`), {
      address: '127.0.0.1',
      family: 4,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-twice')).toBe('a, b');
    expect(await res.text()).toBe('png-bytes');
    expect(seen.at(-1)?.host).toBe(`images.rebind.invalid:${port}`);
  });

  it('answers a redirect as it is instead of following it', async () => {
    const res = await fetchPinned(new URL(`http://images.rebind.invalid:${port}/moved`), {
      address: '127.0.0.1',
      family: 4,
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://127.0.0.1:1/private');
  });

  it('fails with the socket error code when the pinned address refuses', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      fetchPinned(new URL(`http://images.rebind.invalid:${closedPort}/a.png`), { address: '127.0.0.1', family: 4 }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stops when the signal aborts', async () => {
    await expect(
      fetchPinned(
        new URL(`http://images.rebind.invalid:${port}/a.png`),
        { address: '127.0.0.1', family: 4 },
        {
          signal: AbortSignal.abort(),
        },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
