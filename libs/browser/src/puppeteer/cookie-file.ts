import type { Cookie, CookieParam } from 'puppeteer-core';

/** One entry of the usual browser-extension cookie export. */
export interface ExportedCookie {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  expires?: number;
  expirationDate?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
  hostOnly?: boolean;
  session?: boolean;
}

const SAME_SITE: Record<string, CookieParam['sameSite']> = {
  no_restriction: 'None',
  none: 'None',
  lax: 'Lax',
  strict: 'Strict',
};

/** Maps an export to puppeteer's CookieParam; malformed entries are dropped (never logged: values are secrets). */
export function toCookieParams(entries: unknown): { cookies: CookieParam[]; skipped: number } {
  if (!Array.isArray(entries)) throw new Error('Cookie file must hold a JSON array');
  const cookies: CookieParam[] = [];
  let skipped = 0;
  for (const raw of entries as ExportedCookie[]) {
    if (!raw || typeof raw.name !== 'string' || typeof raw.value !== 'string' || !raw.domain) {
      skipped++;
      continue;
    }
    const expires = raw.expirationDate ?? raw.expires;
    const sameSite = raw.sameSite ? SAME_SITE[raw.sameSite.toLowerCase()] : undefined;
    // `__Host-` cookies must not carry a Domain attribute; bind them to the exact host via url.
    const host = raw.domain.replace(/^\./, '');
    const hostOnly = raw.hostOnly ?? raw.name.startsWith('__Host-');
    cookies.push({
      name: raw.name,
      value: raw.value,
      ...(hostOnly
        ? { url: `${raw.secure || host === 'localhost' ? 'https' : 'http'}://${host}${raw.path ?? '/'}` }
        : { domain: raw.domain }),
      path: raw.path ?? '/',
      ...(typeof expires === 'number' && expires > 0 && !raw.session ? { expires } : {}),
      httpOnly: !!raw.httpOnly,
      secure: !!raw.secure,
      ...(sameSite ? { sameSite } : {}),
    });
  }
  return { cookies, skipped };
}

export function fromCookies(cookies: Cookie[]): ExportedCookie[] {
  return cookies
    .map((c) => ({
      name: c.name,
      value: c.value,
      domain: c.domain,
      path: c.path,
      expires: c.expires,
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: c.sameSite,
      session: c.session,
    }))
    .sort((a, b) => `${a.domain}${a.name}`.localeCompare(`${b.domain}${b.name}`));
}

/** Exponential backoff for relaunches: 1 s, 2 s, 4 s … capped. */
export function relaunchDelayMs(attempt: number, capMs = 30_000): number {
  return Math.min(capMs, 1000 * 2 ** Math.max(0, attempt));
}
