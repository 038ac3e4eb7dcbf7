import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** dist/console, seen from this file compiled (dist/apps/gateway/apps/gateway/src/console). */
export const defaultConsoleDir = () => resolve(import.meta.dirname, '..', '..', '..', '..', '..', '..', 'console');

// The console fetches only its own origin; result images and videos may live in object storage elsewhere.
const CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob: https: http:",
  "media-src 'self' blob: https: http:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the operator console (apps/console, built by `npm run build`) at /console as static files, with every
 * other /console/* path answered by index.html (the single-page app routes in the browser). Outside Nest's guard:
 * the files are public, the API behind them is not.
 */
export async function serveConsole(app: NestFastifyApplication, dir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const logger = new Logger('Console');
  if (!existsSync(join(dir, 'index.html'))) {
    logger.warn(`no console build in ${dir}: run \`npm run build\` to serve /console`);
    const missing = (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n');
    fastify.get('/console', missing);
    fastify.get('/console/*', missing);
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    wildcard: false, // one route per built file, so the fallback below takes every other path
    cacheControl: false,
    setHeaders: (reply, path) => {
      // Built assets carry a content hash in their names; index.html must be revalidated to pick up new ones.
      reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      reply.header('content-security-policy', CSP);
      reply.header('x-content-type-options', 'nosniff');
    },
  });
  fastify.get('/console', (_request, reply) => reply.redirect('/console/'));
  fastify.get('/console/*', (_request, reply) =>
    reply.header('cache-control', 'no-cache').header('content-security-policy', CSP).sendFile('index.html'),
  );
}
