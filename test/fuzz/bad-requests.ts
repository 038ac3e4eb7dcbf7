import fc from 'fast-check';
import { randomUUID } from 'node:crypto';

/**
 * Generators of hostile requests for any route of the gateway. A request is described as text (path, query, header
 * and body bytes), so that bodies nested 10,000 deep or holding lone surrogates never pass through this process's
 * own JSON.stringify.
 */
export interface Route {
  method: string;
  /** OpenAPI template, e.g. /v1/jobs/{id}. */
  path: string;
  /** Body fields the OpenAPI document names, when it names any. */
  fields: string[];
}

export interface BadRequest {
  route: Route;
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const LOOPBACK_IMAGE = 'http://127.0.0.1:9/a.png';

/** A body each create route accepts; the fuzz breaks one part of it at a time. */
export const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /v1/midjourney/imagine': { prompt: 'a fox', options: { ar: '1:1' } },
  'POST /v1/midjourney/video': { image_url: LOOPBACK_IMAGE, batch_size: 1 },
  'POST /midjourney/genimage': { prompt: 'a fox', options: { chaos: 5 } },
  'POST /midjourney/genvideo': { image_url: LOOPBACK_IMAGE, options: { motion: 'low' } },
  'POST /v1/ideogram/remix': { image_url: LOOPBACK_IMAGE, prompt: 'a fox', resolution: { width: 1024, height: 1024 } },
  'POST /v1/ideogram/generate': { prompt: 'a fox', num_images: 1 },
  'POST /v1/ideogram/upscale': { request_id: 'req1', response_id: 'resp1', index: 0 },
  'POST /v1/ideogram/remove-background': { asset_id: 'asset1' },
  'POST /v1/ideogram/describe': { image_url: LOOPBACK_IMAGE },
  'POST /api/remix': { imageUrl: LOOPBACK_IMAGE, prompt: 'a fox' },
  'POST /api/upload': { imageUrl: LOOPBACK_IMAGE },
  'POST /api/caption': { uploadId: 'up1' },
  'POST /api/generate-variations': { imageUrl: LOOPBACK_IMAGE },
  'POST /api/gencustom': { imageId: 'img1', promptText: 'a fox' },
  'POST /api/upscale': { request_id: 'req1', response_id: 'resp1', promptText: 'a fox' },
  'POST /api/removebackground': { asset_id: 'asset1' },
  'POST /api/genimageprompt': { prompt: 'a fox' },
  'POST /api/d/images': { image_ids: ['resp1'] },
  'POST /v1/chatgpt/conversations': { prompt: 'a fox', image_urls: [LOOPBACK_IMAGE] },
  'POST /gptgen': { prompt: 'a fox' },
  'POST /recent-images': { page: 1 },
  'POST /conversation-prompt': { conversationId: randomUUID() },
  'POST /v1/admin/keys': { name: 'fuzz', scopes: ['midjourney'] },
};

/** Creates that must answer 202 whatever else is going on: the innocent bystanders. */
export const INNOCENT: Array<{ path: string; body: Record<string, unknown> }> = [
  { path: '/v1/midjourney/imagine', body: { prompt: 'an innocent fox' } },
  { path: '/v1/ideogram/generate', body: { prompt: 'an innocent fox' } },
  { path: '/v1/chatgpt/conversations', body: { prompt: 'an innocent fox' } },
  { path: '/v1/midjourney/video', body: { image_url: LOOPBACK_IMAGE } },
];

// Field names the routes read, beside the ones the OpenAPI document lists (most DTOs carry no @ApiProperty yet).
const FIELD_POOL = [
  'prompt',
  'image_url',
  'imageUrl',
  'url_image',
  'idea_id',
  'design_id',
  'job_id',
  'request_id',
  'response_id',
  'asset_id',
  'upload_id',
  'uploadId',
  'imageId',
  'promptText',
  'index',
  'batch_size',
  'num_images',
  'timeout_seconds',
  'webhook_url',
  'options',
  'resolution',
  'conversation_id',
  'conversationId',
  'images',
  'image_urls',
  'name',
  'scopes',
  'expires_at',
  'page',
  'user_id',
  'text_prompt',
  'imageWeight',
  // The original Ideogram routes pass these through to the site: only their shape is checked.
  'style',
  'magicPrompt',
  'promptSource',
  'style_expert',
  'sampling_speed',
  'image_ids',
];
const NESTED_POOL = ['options.chaos', 'options.ar', 'options.version', 'resolution.width', 'images.0.data'];
const QUERY_POOL = [
  'cursor',
  'limit',
  'provider',
  'status',
  'id',
  'quality',
  'url',
  'prompt',
  'conversation_id',
  'user_id',
  'filters',
];
const UUID_SHAPED = [
  '-'.repeat(36),
  '00000000-0000-0000-0000-00000000000g',
  `${randomUUID()}0`,
  randomUUID().toUpperCase(),
];

const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** encodeURIComponent refuses lone surrogates; those are sent as raw UTF-8 escapes (`%ED%A0%80`) instead. */
const encodable = (text: string) => {
  try {
    encodeURIComponent(text);
    return text.length > 0;
  } catch {
    return false;
  }
};

/** Strings Postgres, URL parsers or the providers' id patterns choke on. */
const nastyString = fc.oneof(
  fc.constantFrom(
    'fox\u0000',
    '\u0000',
    'a\ud800',
    '\udc00b',
    '\ud83d',
    'x'.repeat(5000),
    '',
    ' ',
    'null',
    'true',
    '1e309',
    '-1',
    '0x10',
    "'; DROP TABLE jobs; --",
    '../../etc/passwd',
    '%00',
    '\u202e\ufeff',
    'http://[::1]:0/\u0000',
    'javascript:alert(1)',
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2026-01-01T25:00:00Z',
    '20260101',
    '2026-W01',
    '+275760-09-13T00:00:00.000Z',
    ...UUID_SHAPED,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud800', '\udfff')).map(([s, bad]) => s + bad),
);

/** Any JSON value of the wrong kind, as text. */
const nastyJson: fc.Arbitrary<string> = fc.oneof(
  nastyString.map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '0', '-1', '1e308', '-1e308', '1.5', '9007199254740993', '[]', '{}'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.array(nastyString, { maxLength: 4 }).map((a) => JSON.stringify(a)),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 }).map((o) => JSON.stringify(o)),
  fc.integer({ min: 33, max: 12_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 33, max: 3_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

/** `GET /v1/jobs?cursor=`: what a client could craft instead of the cursor it was given. */
const nastyCursor = fc.oneof(
  fc.constantFrom(
    b64(JSON.stringify(['1', randomUUID()])),
    b64(JSON.stringify(['yesterday', randomUUID()])),
    b64(JSON.stringify(['2026-02-30T00:00:00.000Z', randomUUID()])),
    b64(JSON.stringify(['0000-01-01T00:00:00.000Z', randomUUID()])),
    b64(JSON.stringify(['+275760-09-13T00:00:00.000Z', randomUUID()])),
    b64(JSON.stringify(['2026-01-01T00:00:00.000Z', '-'.repeat(36)])),
    b64(JSON.stringify(['2026-01-01T00:00:00.000Z', 'x'])),
    b64(JSON.stringify(['2026-01-01T00:00:00.000Z\u0000', randomUUID()])),
    b64(JSON.stringify([{}, []])),
    b64('null'),
    b64('"a"'),
    b64('['),
    'garbage',
    '',
  ),
  fc.tuple(nastyString, nastyString).map(([a, b]) => b64(JSON.stringify([a, b]))),
  fc.string({ unit: 'binary', maxLength: 60 }).map(b64),
);

const nastyPathSegment = fc.oneof(
  fc.constantFrom(
    'abc',
    '%00',
    'a%00b',
    '%ED%A0%80',
    '%C0%AF',
    '..%2F..%2Fetc',
    'x'.repeat(3000),
    '%20',
    '%25',
    'null',
  ),
  fc.constantFrom(...UUID_SHAPED).map(encodeURIComponent),
  nastyString.filter(encodable).map(encodeURIComponent),
);

/** The query string as sent: percent-encoded text, sometimes a lone surrogate's raw UTF-8 bytes. */
const nastyQueryValue = fc.oneof(
  nastyString.filter(encodable).map(encodeURIComponent),
  fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', '%zz', 'a&a=b', 'true', '1e999', '-5'),
  nastyCursor,
);

function fill(template: string, segment: string): string {
  return template.replace(/\{[^}]+\}/g, (name) => (name === '{path}' ? `x/${segment}` : segment));
}

function setPath(body: Record<string, unknown>, dotted: string, marker: string): Record<string, unknown> {
  const copy = structuredClone(body);
  const parts = dotted.split('.');
  let at: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    if (typeof at[part] !== 'object' || at[part] === null) at[part] = /^\d+$/.test(parts[1] ?? '') ? [{}] : {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts.at(-1)!] = marker;
  return copy;
}

const MARKER = '__FUZZ_VALUE__';

/** One hostile request for `route`, built on the route's valid body (if any) so that one part at a time is wrong. */
export function badRequest(route: Route, apiKey: string): fc.Arbitrary<BadRequest> {
  const key = `${route.method} ${route.path}`;
  const base = VALID_BODIES[key] ?? {};
  const hasBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
  const fields = [...new Set([...route.fields, ...Object.keys(base), ...FIELD_POOL, ...NESTED_POOL])];
  const validPath = fill(route.path, route.path.includes('{path}') ? 'a.png' : randomUUID());
  const json = { 'content-type': 'application/json' };
  const auth = { 'x-api-key': apiKey };
  const make = (kind: string, over: Partial<BadRequest>): BadRequest => ({
    route,
    kind,
    method: route.method,
    url: validPath,
    headers: { ...auth, ...(hasBody ? json : {}) },
    ...(hasBody ? { body: JSON.stringify(base) } : {}),
    ...over,
  });

  const kinds: Array<fc.Arbitrary<BadRequest>> = [
    fc
      .tuple(fc.constantFrom(...QUERY_POOL), nastyQueryValue, fc.boolean())
      .map(([name, value, twice]) =>
        make('query', { url: `${validPath}?${name}=${value}${twice ? `&${name}=${value}` : ''}` }),
      ),
    fc
      .oneof(
        fc.integer({ min: 256, max: 6000 }).map((n) => 'k'.repeat(n)),
        fc.integer({ min: 300, max: 6000 }).map((n) => Buffer.from(randomUUID().repeat(n / 36)).toString('base64')),
        fc.constantFrom('\u00ff\u00fe', ' ', 'a,b', '%00'),
      )
      .map((value) =>
        make('idempotency-key', { headers: { ...auth, ...(hasBody ? json : {}), 'idempotency-key': value } }),
      ),
    fc
      .constantFrom<Record<string, string>>(
        {},
        { 'x-api-key': 'gw_wrong' },
        { authorization: 'Bearer \u00ff' },
        // A valid key and a caller's Ideogram token past any real one's length.
        { 'x-api-key': apiKey, authorization: `Bearer ${'t'.repeat(9000)}` },
      )
      .map((headers) => make('auth', { headers: { ...(hasBody ? json : {}), ...headers } })),
  ];
  if (route.path === '/v1/jobs') {
    kinds.push(nastyCursor.map((cursor) => make('cursor', { url: `${validPath}?cursor=${cursor}` })));
  }
  if (/\{[^}]+\}/.test(route.path)) {
    kinds.push(nastyPathSegment.map((segment) => make('path', { url: fill(route.path, segment) })));
  }
  if (hasBody) {
    kinds.push(
      fc
        .tuple(fc.constantFrom(...fields), nastyJson)
        .map(([field, value]) =>
          make(`field:${field}`, { body: JSON.stringify(setPath(base, field, MARKER)).replace(`"${MARKER}"`, value) }),
        ),
      fc
        .tuple(
          fc.constantFrom('x', 'prompt', 'options', '__proto__', 'constructor'),
          fc.integer({ min: 33, max: 20_000 }),
        )
        .map(([field, n]) =>
          make('deep', {
            body: JSON.stringify({ ...base, [field]: MARKER }).replace(`"${MARKER}"`, '['.repeat(n) + ']'.repeat(n)),
          }),
        ),
      fc
        .constantFrom(
          '',
          '{',
          '[',
          'nul',
          '"a fox"',
          '123',
          'null',
          '[]',
          '\ufeff{}',
          '{"prompt":"a","prompt":"\\u0000"}',
          '{"__proto__":{"isAdmin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '{"prompt":"a fox"}garbage',
          '{"prompt":"\\ud800\\udc00\\ud800"}',
          '{"prompt\\u0000":"a fox"}',
          '{"prompt":1e99999}',
        )
        .map((body) => make('raw', { body })),
      fc
        .constantFrom(
          { 'content-type': 'text/plain', body: 'fox\u0000' },
          { 'content-type': 'application/x-www-form-urlencoded', body: 'prompt=fox%00&image_url=%ED%A0%80' },
          { 'content-type': 'application/x-www-form-urlencoded', body: 'prompt[a][b]=1&__proto__=x' },
          { 'content-type': 'application/json; charset=latin1', body: '{"prompt":"\u00ff"}' },
          { 'content-type': 'application/octet-stream', body: '\u0000\u0001' },
        )
        .map(({ body, ...headers }) => make('content-type', { headers: { ...auth, ...headers }, body })),
    );
  }
  return fc.oneof(...kinds);
}
