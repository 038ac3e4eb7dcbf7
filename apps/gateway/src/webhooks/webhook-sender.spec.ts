import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookConfig } from './webhook.config.js';
import { WebhookRefused, WebhookSender } from './webhook-sender.js';

/** A loopback receiver that counts the requests it gets; `/redirect` answers 302 to `/hook`. */
let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `${base}/hook` }).end();
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sender = (allowPrivateUrls: boolean) =>
  new WebhookSender(Object.assign(new WebhookConfig(), { allowPrivateUrls }));

describe(WebhookSender.name, () => {
  it.each([
    'http://127.0.0.1:1/h',
    'http://localhost:1/h',
    'http://[::1]:1/h',
    'http://0x7f000001:1/h',
    'http://127.0.0.2:1/h',
    'http://0.0.0.0:1/h',
    'http://[::ffff:127.0.0.1]:1/h',
    'http://[::]:1/h',
    'http://app.localhost:1/h',
    'ftp://example.com/h',
  ])('refuses %s with the guard on', async (url) => {
    await expect(sender(false).refusal(url)).resolves.toEqual(expect.any(String));
  });

  it('never connects to a refused host with the guard on, and calls it with the guard off', async () => {
    hits.length = 0;
    await expect(sender(false).post(`${base}/hook`, {}, '{}', 2000)).rejects.toBeInstanceOf(WebhookRefused);
    expect(hits).toEqual([]);
    await expect(sender(true).post(`${base}/hook`, {}, '{}', 2000)).resolves.toBe(204);
    expect(hits).toEqual(['/hook']);
  });

  it('does not follow redirects: a 302 is the answer', async () => {
    hits.length = 0;
    await expect(sender(true).post(`${base}/redirect`, {}, '{}', 2000)).resolves.toBe(302);
    expect(hits).toEqual(['/redirect']);
  });
});
