import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProviderException } from '@app/contracts';

function isPrivate(address: string): boolean {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    return a === '::1' || a === '::' || a.startsWith('fc') || a.startsWith('fd') || a.startsWith('fe80') || a.startsWith('::ffff:127.') || a.startsWith('::ffff:10.') || a.startsWith('::ffff:192.168.');
  }
  const [a, b] = address.split('.').map(Number);
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/**
 * Fetches a caller-supplied image URL with an SSRF guard (http(s) only, no private addresses unless allowed),
 * a size limit and a timeout. Failures are UPLOAD_FAILED: the job fails with a clear reason.
 */
export async function fetchExternalImage(
  url: string,
  { allowPrivate, maxBytes, timeoutMs = 30_000, signal }: { allowPrivate: boolean; maxBytes: number; timeoutMs?: number; signal?: AbortSignal },
): Promise<{ bytes: Buffer; contentType: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderException('UPLOAD_FAILED', `Reference image URL is not valid: ${url}`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) throw new ProviderException('UPLOAD_FAILED', 'Reference image must be http(s)');
  if (!allowPrivate) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((r) => r.address);
    if (addresses.length === 0) throw new ProviderException('UPLOAD_FAILED', `Cannot resolve ${parsed.hostname}`);
    if (addresses.some(isPrivate)) throw new ProviderException('UPLOAD_FAILED', 'Reference image URL points to a private address');
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, { redirect: allowPrivate ? 'follow' : 'error', signal: signal ? AbortSignal.any([signal, timeout]) : timeout }).catch(
    (error: unknown) => {
      throw new ProviderException('UPLOAD_FAILED', `Reference image could not be fetched: ${String(error)}`);
    },
  );
  if (!res.ok) throw new ProviderException('UPLOAD_FAILED', `Reference image answered HTTP ${res.status}`);
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  if (!/^image\/(png|jpeg|jpg|webp|gif)$/.test(contentType)) throw new ProviderException('UPLOAD_FAILED', `Reference image has type ${contentType || 'unknown'}`);
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) throw new ProviderException('UPLOAD_FAILED', 'Reference image is too large');
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > maxBytes) throw new ProviderException('UPLOAD_FAILED', 'Reference image is too large');
  if (bytes.length === 0) throw new ProviderException('UPLOAD_FAILED', 'Reference image is empty');
  return { bytes, contentType };
}
