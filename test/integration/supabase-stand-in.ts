import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A local stand-in for the few Supabase REST endpoints the gateway calls through supabase-js: PostgREST updates
 * of `product_design` and Storage upload/download/list. It checks the service-role key on every call, as Supabase
 * does, and records the requests so tests can assert what was sent.
 */
export interface StandIn {
  url: string;
  serviceRoleKey: string;
  rows: Map<string, Record<string, unknown>>;
  objects: Map<string, { bytes: Buffer; contentType: string; upserts: number }>;
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSupabaseStandIn(serviceRoleKey = 'service-role-test-key'): Promise<StandIn> {
  const rows = new Map<string, Record<string, unknown>>();
  const objects = new Map<string, { bytes: Buffer; contentType: string; upserts: number }>();
  const requests: StandIn['requests'] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const publicRead = url.pathname.startsWith('/storage/v1/object/public/');
      if (
        !publicRead &&
        (req.headers.apikey !== serviceRoleKey || req.headers.authorization !== `Bearer ${serviceRoleKey}`)
      ) {
        return json(401, { message: 'Invalid API key', statusCode: '401', error: 'Unauthorized' });
      }
      if (url.pathname === '/rest/v1/product_design' && req.method === 'PATCH') {
        const id = /^eq\.(.+)$/.exec(url.searchParams.get('id') ?? '')?.[1];
        const patch = JSON.parse((await body(req)).toString()) as Record<string, unknown>;
        const row = id ? rows.get(id) : undefined;
        if (row) Object.assign(row, patch);
        return res.writeHead(204).end(); // return=minimal, whether or not a row matched (as PostgREST)
      }
      if (url.pathname === '/storage/v1/bucket' && req.method === 'GET') {
        return json(200, [{ id: 'product-designs', name: 'product-designs', public: true }]);
      }
      const object = /^\/storage\/v1\/object\/(?:public\/)?(.+)$/.exec(url.pathname)?.[1];
      if (object && req.method === 'POST') {
        const key = decodeURIComponent(object);
        const existing = objects.get(key);
        if (existing && req.headers['x-upsert'] !== 'true') {
          return json(400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
        }
        objects.set(key, {
          bytes: await body(req),
          contentType: String(req.headers['content-type']),
          upserts: (existing?.upserts ?? -1) + 1,
        });
        return json(200, { Key: key, Id: key });
      }
      if (object && req.method === 'GET') {
        const found = objects.get(decodeURIComponent(object));
        if (!found) return json(400, { statusCode: '404', error: 'not_found', message: 'Object not found' });
        return res.writeHead(200, { 'content-type': found.contentType }).end(found.bytes);
      }
      json(404, { message: `no route ${req.method} ${url.pathname}` });
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    serviceRoleKey,
    rows,
    objects,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
