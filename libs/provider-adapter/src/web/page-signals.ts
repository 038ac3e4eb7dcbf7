/**
 * Signals every browser-driven provider reads the same way: Cloudflare's interstitial (PROVIDERS.md §2.8, §4.7:
 * a 403 — or a 200 — whose body is the "Just a moment…" page) and the size of a PNG result.
 */
export function isChallenge(res: { status: number; body: unknown; headers?: Record<string, string> }): boolean {
  const text = typeof res.body === 'string' ? res.body : '';
  return (
    (res.status === 403 || res.status === 200 || res.status === 503) &&
    /Just a moment|cf_chl|challenge-platform|\/cdn-cgi\/challenge/i.test(text)
  );
}

/** Reads width/height from PNG bytes (IHDR), undefined for other formats. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47) return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
