import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ProviderException } from '@app/contracts';

// Loopback, private, link-local (cloud metadata), CGNAT, unspecified, multicast and reserved ranges, both families.
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses a caller-supplied URL must not reach (IPv4-mapped IPv6 judged by its IPv4 part). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (mapped) {
    const v4 =
      mapped[1] ??
      [mapped[2], mapped[3]]
        .flatMap((h) => {
          const n = parseInt(h, 16);
          return [n >> 8, n & 255];
        })
        .join('.');
    return PRIVATE.check(v4, 'ipv4');
  }
  return PRIVATE.check(address, 'ipv6');
}

/**
 * Fetches a caller-supplied image URL with an SSRF guard (http(s) only, no private addresses unless allowed),
 * a size limit and a timeout. Failures are UPLOAD_FAILED: the job fails with a clear reason.
 */
export async function fetchExternalImage(
  url: string,
  {
    allowPrivate,
    maxBytes,
    timeoutMs = 30_000,
    signal,
  }: { allowPrivate: boolean; maxBytes: number; timeoutMs?: number; signal?: AbortSignal },
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
  if (!allowPrivate) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((r) => r.address);
    if (addresses.length === 0) throw new ProviderException('UPLOAD_FAILED', `Cannot resolve ${parsed.hostname}`);
    if (addresses.some(isPrivateAddress)) {
      throw new ProviderException('UPLOAD_FAILED', 'Reference image URL points to a private address');
    }
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    redirect: allowPrivate ? 'follow' : 'error',
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  }).catch((error: unknown) => {
    throw new ProviderException('UPLOAD_FAILED', `Reference image could not be fetched: ${String(error)}`);
  });
  if (!res.ok) throw new ProviderException('UPLOAD_FAILED', `Reference image answered HTTP ${res.status}`);
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  if (!/^image\/(png|jpeg|jpg|webp|gif)$/.test(contentType)) {
    throw new ProviderException('UPLOAD_FAILED', `Reference image has type ${contentType || 'unknown'}`);
  }
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    throw new ProviderException('UPLOAD_FAILED', 'Reference image is too large');
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > maxBytes) throw new ProviderException('UPLOAD_FAILED', 'Reference image is too large');
  if (bytes.length === 0) throw new ProviderException('UPLOAD_FAILED', 'Reference image is empty');
  return { bytes, contentType };
}
