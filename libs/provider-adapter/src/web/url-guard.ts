import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProviderException } from '@app/contracts';
import { fetchPinned, isPrivateAddress, type PinnedAddress } from '@app/net';

/** Socket-level failures that say nothing about the image: the host restarts, or the network hiccups. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);
/** Answers of a host that is restarting or overloaded. */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

/** A failure worth another try (the reference host may be our own gateway, restarting). */
class TransientFetchError extends ProviderException {}

export interface FetchImageOptions {
  allowPrivate: boolean;
  maxBytes: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** The job's own limit (its deadline): no attempt outlives it. */
  signal?: AbortSignal;
  /** How long connection failures and 502/503/504 are retried, with backoff, before the job fails. */
  retryForMs?: number;
}

/**
 * Fetches a caller-supplied image URL with an SSRF guard (http(s) only, no private addresses unless allowed),
 * a size limit enforced while the body streams in, and a timeout. A refused connection or a 503 is retried with
 * backoff (within `retryForMs` and the caller's signal); anything else fails at once with UPLOAD_FAILED and a
 * clear reason.
 */
export async function fetchExternalImage(
  url: string,
  options: FetchImageOptions,
): Promise<{ bytes: Buffer; contentType: string }> {
  const started = Date.now();
  const retryForMs = options.retryForMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(url, options);
    } catch (error) {
      const delay = Math.min(8000, 250 * 2 ** (attempt - 1));
      const retry =
        error instanceof TransientFetchError && !options.signal?.aborted && Date.now() + delay - started < retryForMs;
      if (!retry) {
        throw error instanceof TransientFetchError
          ? new ProviderException('UPLOAD_FAILED', `${error.message} (after ${attempt} attempts)`)
          : error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function fetchOnce(
  url: string,
  { allowPrivate, maxBytes, timeoutMs = 30_000, signal }: FetchImageOptions,
): Promise<{ bytes: Buffer; contentType: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderException('UPLOAD_FAILED', `Reference image URL is not valid: ${url}`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    throw new ProviderException('UPLOAD_FAILED', 'Reference image must be http(s)');
  }
  // With the guard on, the connection goes to the address checked here (never a second lookup: DNS rebinding).
  let pinned: PinnedAddress | undefined;
  if (!allowPrivate) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0) throw new ProviderException('UPLOAD_FAILED', `Cannot resolve ${parsed.hostname}`);
    if (addresses.some((a) => isPrivateAddress(a.address))) {
      throw new ProviderException('UPLOAD_FAILED', 'Reference image URL points to a private address');
    }
    pinned = { address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
  // Guarded: no redirects (one could lead to a private address); a 3xx fails below as a non-OK answer.
  const res = await (
    pinned ? fetchPinned(parsed, pinned, { signal: abort }) : fetch(url, { redirect: 'follow', signal: abort })
  ).catch((error: unknown) => {
    // fetch puts Node's code in `cause`, fetchPinned on the error itself (a DOMException's numeric code is no use).
    const failure = error as { code?: unknown; cause?: { code?: unknown } };
    const found = failure?.cause?.code ?? failure?.code;
    const code = typeof found === 'string' ? found : undefined;
    const Failure = code && TRANSIENT_CODES.has(code) ? TransientFetchError : ProviderException;
    throw new Failure('UPLOAD_FAILED', `Reference image could not be fetched: ${code ?? String(error)}`);
  });
  if (TRANSIENT_STATUSES.has(res.status)) {
    await res.body?.cancel().catch(() => undefined);
    throw new TransientFetchError('UPLOAD_FAILED', `Reference image answered HTTP ${res.status}`);
  }
  if (!res.ok) throw new ProviderException('UPLOAD_FAILED', `Reference image answered HTTP ${res.status}`);
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  if (!/^image\/(png|jpeg|jpg|webp|gif)$/.test(contentType)) {
    await res.body?.cancel().catch(() => undefined);
    throw new ProviderException('UPLOAD_FAILED', `Reference image has type ${contentType || 'unknown'}`);
  }
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ProviderException('UPLOAD_FAILED', 'Reference image is too large');
  }
  const bytes = await readLimited(res, maxBytes);
  if (bytes.length === 0) throw new ProviderException('UPLOAD_FAILED', 'Reference image is empty');
  return { bytes, contentType };
}

/** Reads the body, and stops reading (closing the connection) as soon as it passes the limit. */
async function readLimited(res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ProviderException('UPLOAD_FAILED', 'Reference image is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
