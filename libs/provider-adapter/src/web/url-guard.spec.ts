import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderException } from '@app/contracts';
import { isPrivateAddress } from '@app/net';
import { fetchExternalImage } from './url-guard.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254', // cloud metadata
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1', // the same, hex form
    '::ffff:a9fe:a9fe', // 169.254.169.254
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
  ])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('fetchExternalImage', () => {
  let server: Server;
  let base: string;
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      if (req.url === '/page') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      if (req.url === '/big.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(5000));
      if (req.url === '/empty.png') return res.writeHead(200, { 'content-type': 'image/png' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderException);
    expect((error as ProviderException).code).toBe('UPLOAD_FAILED');
    return (error as ProviderException).message;
  };

  it('fetches an image when private addresses are allowed', async () => {
    const image = await fetchExternalImage(`${base}/ok.png`, { allowPrivate: true, maxBytes: 1000 });
    expect(image.contentType).toBe('image/png');
    expect(image.bytes.equals(png)).toBe(true);
  });

  it('refuses private addresses by default, before any request', async () => {
    expect(await failure(fetchExternalImage(`${base}/ok.png`, { allowPrivate: false, maxBytes: 1000 }))).toMatch(
      /private address/,
    );
    expect(await failure(fetchExternalImage('http://[::1]:1/x.png', { allowPrivate: false, maxBytes: 1000 }))).toMatch(
      /private address/,
    );
  });

  it('refuses other schemes and malformed URLs', async () => {
    expect(await failure(fetchExternalImage('file:///etc/passwd', { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /http/,
    );
    expect(await failure(fetchExternalImage('not a url', { allowPrivate: true, maxBytes: 1000 }))).toMatch(/not valid/);
  });

  it('refuses non-images, missing files, empty and oversized bodies', async () => {
    expect(await failure(fetchExternalImage(`${base}/page`, { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /text\/html/,
    );
    expect(await failure(fetchExternalImage(`${base}/missing.png`, { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /404/,
    );
    expect(await failure(fetchExternalImage(`${base}/empty.png`, { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /empty/,
    );
    expect(await failure(fetchExternalImage(`${base}/big.png`, { allowPrivate: true, maxBytes: 1000 }))).toMatch(
      /too large/,
    );
  });
  it('stops reading a chunked body at the limit instead of downloading it whole', async () => {
    let written = 0;
    let closedEarly: Promise<boolean> = Promise.resolve(false);
    const huge = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' }); // chunked: no length to refuse up front
      const chunk = Buffer.alloc(64 * 1024, 1);
      closedEarly = new Promise((resolve) => {
        res.on('close', () => resolve(written < 40 * 1024 * 1024));
        const pump = () => {
          while (written < 40 * 1024 * 1024 && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
    });
    await new Promise<void>((r) => huge.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(huge.address() as AddressInfo).port}/huge.png`;
    try {
      expect(await failure(fetchExternalImage(url, { allowPrivate: true, maxBytes: 1024 * 1024 }))).toMatch(
        /too large/,
      );
      expect(await closedEarly).toBe(true); // the connection closed long before the 40 MiB were sent
    } finally {
      huge.closeAllConnections();
      await new Promise<void>((r) => huge.close(() => r()));
    }
  });

  it('retries a refused connection until the host is back (a restarting gateway serving /files/)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r())); // nothing listens on the port now
    let requests = 0;
    const late = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    const fetching = fetchExternalImage(`http://127.0.0.1:${port}/ok.png`, { allowPrivate: true, maxBytes: 1000 });
    let attempts = 0;
    // The host comes up once the fetch has met a refused connection at least once.
    const origin = globalThis.fetch;
    try {
      globalThis.fetch = (...args: Parameters<typeof fetch>) => {
        attempts++;
        if (attempts === 2) late.listen(port, '127.0.0.1');
        return origin(...args);
      };
      const image = await fetching;
      expect(image.bytes.equals(png)).toBe(true);
      expect(requests).toBe(1);
    } finally {
      globalThis.fetch = origin;
      await new Promise<void>((r) => late.close(() => r()));
    }
  });

  it('gives up on a refused connection once the retry window is spent, with a clear reason', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const message = await failure(
      fetchExternalImage(`http://127.0.0.1:${port}/x.png`, { allowPrivate: true, maxBytes: 1000, retryForMs: 600 }),
    );
    expect(message).toMatch(/ECONNREFUSED \(after [2-9] attempts\)/);
  });
});
