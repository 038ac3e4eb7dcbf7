import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';

/** An address a caller's host name was resolved to and checked against the private ranges. */
export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
  }
  const status = res.statusCode ?? 502;
  if (NULL_BODY.has(status)) res.resume();
  return new Response(NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
    status,
    statusText: res.statusMessage,
    headers,
  });
}

/**
 * A GET that connects only to `pinned`, the address that was checked, instead of resolving the host again (a second
 * lookup could answer a private address: DNS rebinding). The URL's host still names the site (Host header, TLS SNI
 * and certificate check). Redirects are never followed: a 3xx is answered as it is. Errors carry Node's `code`.
 */
export function fetchPinned(
  url: URL,
  pinned: PinnedAddress,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(url, { method: 'GET', headers: init.headers, signal: init.signal, lookup }, (res) =>
      resolve(toResponse(res)),
    );
    req.once('error', reject);
    req.end();
  });
}
