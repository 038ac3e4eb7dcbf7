import { createServer, type Server } from 'node:http';

/** A local "public" image host for source images (private addresses are allowed in test setups). */
export async function startImageServer(): Promise<{ server: Server; url: string }> {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  const server = createServer((req, res) => {
    if (req.url === '/page.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    res.writeHead(200, { 'content-type': 'image/png' }).end(png);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}
