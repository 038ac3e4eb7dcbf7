import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserConfig } from '../browser-session.js';
import { PuppeteerBrowserSession } from './puppeteer-browser-session.js';

// Real Chromium against a local HTTP server: cookies in and out, page reuse, bytes, timeouts, relaunch.
describe(PuppeteerBrowserSession.name, () => {
  let server: Server;
  let origin: string;
  let dir: string;
  let sut: PuppeteerBrowserSession;
  let lastCookieHeader = '';
  let rotation = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      lastCookieHeader = req.headers.cookie ?? '';
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/json') {
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ cookie: lastCookieHeader }));
      }
      if (url.pathname === '/rotate') {
        rotation++;
        return res
          .writeHead(200, {
            'set-cookie': `session=rotated-${rotation}; Path=/; Max-Age=3600`,
            'content-type': 'text/plain',
          })
          .end('ok');
      }
      if (url.pathname === '/bytes') {
        return res
          .writeHead(200, { 'content-type': 'application/octet-stream' })
          .end(Buffer.alloc(300_000, Number(url.searchParams.get('v') ?? 1)));
      }
      if (url.pathname === '/slow') return void setTimeout(() => res.end('late'), 5000);
      if (url.pathname === '/upload') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ type: req.headers['content-type'], size: Buffer.concat(chunks).length })),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>home</body></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    origin = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    dir = await mkdtemp(join(tmpdir(), 'gw-browser-'));
    await writeFile(
      join(dir, 'cookies.json'),
      JSON.stringify([
        {
          name: 'session',
          value: 'imported-1',
          domain: 'localhost',
          path: '/',
          expirationDate: Math.floor(Date.now() / 1000) + 3600,
          httpOnly: true,
          secure: false,
          sameSite: 'lax',
        },
      ]),
    );
    sut = new PuppeteerBrowserSession(
      Object.assign(new BrowserConfig(), {
        chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        profileDir: join(dir, 'profile'),
        cookiesFile: join(dir, 'cookies.json'),
        timeoutMs: 2000,
        account: 'test',
      }),
    );
  });

  afterAll(async () => {
    await sut?.stop();
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts once for concurrent callers and sends imported cookies from an in-page fetch', async () => {
    await Promise.all([sut.start(), sut.start(), sut.start()]);
    expect(sut.state().connected).toBe(true);
    const res = await sut.fetch<{ cookie: string }>(origin, `${origin}/json`);
    expect(res.status).toBe(200);
    expect(res.body.cookie).toContain('session=imported-1');
  });

  it('writes rotated cookies back to the cookie file', async () => {
    await sut.fetch(origin, `${origin}/rotate`, { responseType: 'text' });
    await sut.saveCookies();
    const saved = JSON.parse(await readFile(join(dir, 'cookies.json'), 'utf8')) as Array<{
      name: string;
      value: string;
    }>;
    expect(saved.find((c) => c.name === 'session')?.value).toBe(`rotated-${rotation}`);
  });

  it('reuses one page per origin across many fetches, including parallel byte downloads', async () => {
    const pagesBefore = sut.state().pages;
    const downloads = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        sut.fetch<Buffer>(origin, `${origin}/bytes?v=${i + 1}`, { responseType: 'bytes' }),
      ),
    );
    for (let i = 0; i < 12; i++) await sut.fetch(origin, `${origin}/json`);
    expect(downloads.map((d) => [d.body.length, d.body[0]])).toEqual(
      Array.from({ length: 8 }, (_, i) => [300_000, i + 1]),
    );
    expect(sut.state().pages).toBe(pagesBefore);
    expect(sut.state().pages).toBe(1);
  });

  it('posts multipart forms built in the page', async () => {
    const res = await sut.fetch<{ type: string; size: number }>(origin, `${origin}/upload`, {
      method: 'POST',
      form: [
        { name: 'file', filename: 'a.png', contentType: 'image/png', base64: Buffer.alloc(1000, 7).toString('base64') },
      ],
    });
    expect(res.body.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(res.body.size).toBeGreaterThan(1000);
  });

  it('bounds a slow call with a TimeoutError', async () => {
    await expect(sut.fetch(origin, `${origin}/slow`, { timeoutMs: 500 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('relaunches after the Chromium process is killed and keeps working', async () => {
    const pid = sut.pid()!;
    let relaunched = false;
    sut.onRelaunch(() => (relaunched = true));
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 30_000;
    while (!relaunched && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(relaunched).toBe(true);
    expect(sut.state().relaunches).toBe(1);
    const res = await sut.fetch<{ cookie: string }>(origin, `${origin}/json`);
    // The rotated session survives the crash (re-imported from the written-back cookie file).
    expect(res.body.cookie).toContain(`session=rotated-${rotation}`);
    expect(existsSync(join(dir, 'profile'))).toBe(true);
  });
});
