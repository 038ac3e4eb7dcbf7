import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, TestSystem } from '../system.js';

// Every URL-taking field of the API, with the URL guards on (WEBHOOK_ALLOW_PRIVATE_URLS and the workers'
// *_ALLOW_PRIVATE_URLS false), given loopback in every spelling: a canary HTTP server on loopback counts what reaches
// it, and must count nothing. Each request ends in a clear 4xx, or, where only the worker can check (an image it
// fetches), in a failed job with a stable code. Payloads name loopback addresses only.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const ENDED = ['completed', 'failed', 'timeout', 'canceled'];

/** The canary: one port on 127.0.0.1, 127.0.0.2 and ::1, so every loopback spelling would land on it. */
async function startCanary(hits: string[]): Promise<{ port: number; servers: Server[] }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const servers: Server[] = [];
    try {
      for (const host of ['127.0.0.1', '127.0.0.2', '::1']) {
        const server = createServer((req, res) => {
          hits.push(`${req.method} ${req.headers.host}${req.url}`);
          res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, resolve);
        });
        servers.push(server);
      }
      return { port, servers };
    } catch (error) {
      for (const server of servers) server.close();
      if (attempt >= 5) throw error;
    }
  }
}

describe('SSRF: loopback in every spelling, with the guards on', () => {
  const system = new TestSystem({
    simSpeed: 0.05,
    workers: ['midjourney', 'ideogram', 'chatgpt'],
    gatewayEnv: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false', CHATGPT_GPTGEN_WAIT_SECONDS: '0' },
    envOf: {
      midjourney: { MIDJOURNEY_ALLOW_PRIVATE_URLS: 'false' },
      ideogram: { IDEOGRAM_ALLOW_PRIVATE_URLS: 'false' },
      chatgpt: { CHATGPT_ALLOW_PRIVATE_URLS: 'false' },
    },
  });
  const hits: string[] = [];
  const servers: Server[] = [];
  let spellings: string[] = [];

  beforeAll(async () => {
    const canary = await startCanary(hits);
    servers.push(...canary.servers);
    // A 302 redirector on loopback, pointing at the canary: a client that follows it is caught there.
    const redirector = createServer((req, res) => {
      hits.push(`redirector ${req.method} ${req.url}`);
      res.writeHead(302, { location: `http://127.0.0.1:${canary.port}/redirected.png` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    servers.push(redirector);
    const redirectPort = (redirector.address() as { port: number }).port;
    const p = canary.port;
    spellings = [
      `http://127.0.0.1:${p}/a.png`,
      `http://localhost:${p}/a.png`,
      `http://[::1]:${p}/a.png`,
      `http://0x7f000001:${p}/a.png`,
      `http://127.0.0.2:${p}/a.png`,
      `http://0.0.0.0:${p}/a.png`,
      `http://[::ffff:127.0.0.1]:${p}/a.png`,
      `http://[::]:${p}/a.png`,
      `http://127.0.0.1:${redirectPort}/a.png`,
    ];
    await system.start();
  }, 240_000);

  afterAll(async () => {
    for (const server of servers) server.close();
    await system.stop();
  });

  it('has a canary every spelling reaches (so a hit would be seen)', async () => {
    for (const url of spellings) await fetch(url, { redirect: 'manual' });
    expect(hits).toHaveLength(spellings.length);
    hits.length = 0;
  });

  /** A route and the request naming `url` in one of its URL fields. */
  type Case = { name: string; send: (url: string) => Promise<{ status: number; body: any; text: string }> };
  const post = (path: string, body: (url: string) => object): Case => ({
    name: `${path} ${JSON.stringify(body('URL'))}`,
    send: (url) => system.api('POST', path, body(url)),
  });
  const get = (path: (url: string) => string): Case => ({
    name: `GET ${path('URL')}`,
    send: (url) => system.api('GET', path(url)),
  });

  const webhookCases: Case[] = [
    post('/v1/midjourney/imagine', (u) => ({ prompt: 'a fox', webhook_url: u })),
    post('/v1/ideogram/generate', (u) => ({ prompt: 'a fox', webhook_url: u })),
    post('/v1/chatgpt/conversations', (u) => ({ prompt: 'a fox', webhook_url: u })),
  ];
  const imageCases: Case[] = [
    post('/v1/midjourney/imagine', (u) => ({ prompt: 'a fox', image_url: u })),
    post('/v1/midjourney/imagine', (u) => ({ prompt: 'a fox', url_image: u })),
    post('/v1/midjourney/video', (u) => ({ image_url: u })),
    post('/midjourney/genimage', (u) => ({ prompt: 'a fox', url_image: u })),
    get((u) => `/midjourney/genimage?prompt=fox&url_image=${encodeURIComponent(u)}`),
    post('/midjourney/genvideo', (u) => ({ image_url: u })),
    get((u) => `/midjourney/genvideo?image_url=${encodeURIComponent(u)}`),
    get((u) => `/midjourney/proxy-image?url=${encodeURIComponent(u)}`),
    post('/v1/ideogram/remix', (u) => ({ image_url: u, prompt: 'a fox', prompt_source: 'MANUAL' })),
    post('/v1/ideogram/describe', (u) => ({ image_url: u })),
    post('/api/remix', (u) => ({ imageUrl: u, prompt: 'a fox', promptSource: 'MANUAL' })),
    post('/api/generate-variations', (u) => ({ imageUrl: u })),
    post('/api/upload', (u) => ({ imageUrl: u })),
    post('/v1/chatgpt/conversations', (u) => ({ prompt: 'a fox', image_urls: [u] })),
    post('/v1/chatgpt/conversations', (u) => ({ prompt: 'a fox', image_url: u })),
    post('/v1/chatgpt/conversations', (u) => ({ prompt: 'a fox', gpt_url: u })),
    post('/gptgen', (u) => ({ prompt: 'a fox', imageUrl: u })),
    post('/gptgen', (u) => ({ prompt: 'a fox', url: u })),
  ];

  /** What became of one request: a 4xx code, or the code its job failed with. */
  async function outcome(c: Case, url: string): Promise<string> {
    const res = await c.send(url);
    const where = `${c.name} with ${url}: ${res.status} ${res.text.slice(0, 300)}`;
    expect(res.status, where).toBeLessThan(500);
    if (res.status >= 400) {
      const code = res.body?.error?.code ?? res.body?.code;
      expect(code, where).toMatch(/^[A-Z_]+$/);
      return `${res.status} ${code}`;
    }
    const id = res.body?.id ?? res.body?.jobId ?? res.body?.job?.id;
    expect(id, where).toEqual(expect.any(String));
    const job = await system.waitForJob(id, (j) => ENDED.includes(j.status), 90_000);
    expect(job.status, `${where} → ${JSON.stringify(job.error)}`).toBe('failed');
    expect(job.error?.code, where).toMatch(/^[A-Z_]+$/);
    return `job ${job.error.code}`;
  }

  it('refuses loopback webhook URLs at submission with 400 FORBIDDEN_HOST (or INVALID_REQUEST)', async () => {
    const results = await Promise.all(
      webhookCases.flatMap((c) => spellings.map(async (url) => [`${c.name} ${url}`, await outcome(c, url)])),
    );
    for (const [what, result] of results) expect(result, what).toMatch(/^400 (FORBIDDEN_HOST|INVALID_REQUEST)$/);
    expect(results.filter(([, r]) => r === '400 FORBIDDEN_HOST').length).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  it('never fetches a loopback image URL or reference: a 4xx, or a job failed with a stable code', async () => {
    const results: [string, string][] = [];
    // Provider by provider, so one worker's queue does not hold up the deadline of another's jobs.
    for (const c of imageCases) {
      results.push(
        ...(await Promise.all(
          spellings.map(async (url) => [`${c.name} ${url}`, await outcome(c, url)] as [string, string]),
        )),
      );
    }
    for (const [what, result] of results) expect(result, what).toMatch(/^(4\d\d [A-Z_]+|job [A-Z_]+)$/);
    expect(hits).toEqual([]);
  }, 600_000);
});
