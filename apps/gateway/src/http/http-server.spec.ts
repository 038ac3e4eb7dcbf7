import { Body, Controller, Post } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, wiringApp } from '../../../../test/gateway-wiring.js';
import { corsOptions, fastifyOptions, limitBodies, type HttpServerSettings } from './http-server.js';

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown) {
    return body;
  }
}

// Stands in for the one route that takes base64 images (same path, so the same limit applies).
@Controller('v1/chatgpt')
class ImageRouteController {
  @Post('conversations')
  images(@Body() body: { a?: string }) {
    return { length: body.a?.length ?? 0 };
  }
}

const settings = (over: Partial<HttpServerSettings> = {}): HttpServerSettings => ({
  bodyLimitBytes: 1024,
  imageBodyLimitBytes: 8192,
  headersTimeoutMs: 400,
  requestTimeoutMs: 600,
  corsOrigins: [],
  ...over,
});

let app: NestFastifyApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The gateway's HTTP server as main.ts builds it, with the real guard, on a loopback port. */
async function start(s: HttpServerSettings): Promise<string> {
  const adapter = new FastifyAdapter(fastifyOptions(s));
  limitBodies(adapter.getInstance(), s);
  app = await wiringApp([EchoController, ImageRouteController], [], {
    adapter,
    beforeInit: (a) => {
      const cors = corsOptions(s);
      if (cors) a.enableCors(cors);
    },
  });
  await app.listen(0, '127.0.0.1');
  return `127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** Sends raw bytes and answers what the server sent back before closing, and how long that took. */
function raw(host: string, bytes: string, limitMs: number): Promise<{ text: string; ms: number }> {
  const [hostname, port] = host.split(':');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve({ text, ms: Date.now() - started }));
    socket.on('error', reject);
    socket.setTimeout(limitMs, () => {
      socket.destroy();
      reject(new Error(`no answer within ${limitMs} ms: ${text}`));
    });
  });
}

describe('the gateway HTTP server', () => {
  it('ends a request whose body is shorter than its Content-Length with 408, soon after the request timeout', async () => {
    const host = await start(settings());
    const { text, ms } = await raw(
      host,
      `POST /echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.all}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":`,
      5000,
    );
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(2000);
  });

  it('ends a request whose headers never finish', async () => {
    const host = await start(settings());
    const { text } = await raw(host, `POST /echo HTTP/1.1\r\nHost: x\r\n`, 5000);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const host = await start(settings());
    const res = await fetch(`http://${host}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.all },
      body: JSON.stringify({ a: 'x'.repeat(2000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('gives only the image route the larger limit, and refuses past it too', async () => {
    const host = await start(settings());
    const post = (path: string, size: number) =>
      fetch(`http://${host}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEYS.all },
        body: JSON.stringify({ a: 'x'.repeat(size) }),
      });
    const image = await post('/v1/chatgpt/conversations', 6000);
    expect(image.status).toBe(201);
    expect(await image.json()).toEqual({ length: 6000 });
    expect((await post('/echo', 6000)).status).toBe(413);
    const tooLarge = await post('/v1/chatgpt/conversations', 9000);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('refuses a chunked body that grows past the limit without reading it to the end', async () => {
    const host = await start(settings());
    const chunk = `{"a":"${'x'.repeat(3000)}`;
    const { text } = await raw(
      host,
      `POST /echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.all}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
      5000,
    );
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(text).toContain('PAYLOAD_TOO_LARGE');
  });

  it('sends no CORS headers unless CORS_ORIGINS names origins', async () => {
    const host = await start(settings());
    const res = await fetch(`http://${host}/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights of listed origins without a key, and only theirs', async () => {
    const host = await start(settings({ corsOrigins: ['https://app.example'] }));
    const preflight = await fetch(`http://${host}/echo`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-api-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-api-key/);
    const actual = await fetch(`http://${host}/echo`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json', 'x-api-key': KEYS.all },
      body: '{"a":1}',
    });
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const stranger = await fetch(`http://${host}/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows any origin with *', async () => {
    const host = await start(settings({ corsOrigins: ['*'] }));
    const res = await fetch(`http://${host}/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
