import { Injectable, Logger } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayException } from '../errors/gateway.exception.js';
import type { ApiKey } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';

export const SESSION_COOKIE = 'gw_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class SessionConfig {
  /** SESSION_SECRET: signs session cookies; every replica needs the same one (random per process when unset). */
  secret: string = '';
  /** SESSION_TTL_SECONDS: a session's lifetime (never past its key's expiry). */
  ttlSeconds: number = 3600;
  /** Cookies get `Secure` when the public base URL is https (or the request came over https). */
  secureCookies: boolean = false;
}

/** What a session cookie carries: the key's id (never the key), its end, and a nonce its CSRF token derives from. */
export interface SessionClaims {
  keyId: string;
  expiresAt: number; // unix seconds
  nonce: string;
}

export type SessionRequest = FastifyRequest & { session?: SessionClaims };

/**
 * Console sessions: a stateless HMAC-signed cookie naming an API key and an expiry. The key is looked up on every
 * request, so revoking (or expiring) it ends its sessions. Changes made with the cookie need the session's CSRF token
 * in `x-csrf-token` (double submit: the page got it from POST/GET /v1/session, another site cannot read it) and, when
 * the browser sends an Origin, that origin must be this host.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);
  private readonly secret: Buffer;

  constructor(
    private readonly keys: ApiKeysService,
    private readonly config: SessionConfig,
  ) {
    if (config.secret) {
      this.secret = Buffer.from(config.secret);
    } else {
      this.secret = randomBytes(32);
      this.logger.warn('SESSION_SECRET is unset: console sessions end when this process stops and on other replicas');
    }
  }

  /** A new session for a key already authenticated by its plaintext value. */
  issue(key: ApiKey, now = Date.now()): { cookie: string; claims: SessionClaims; csrfToken: string } {
    let expiresAt = Math.floor(now / 1000) + this.config.ttlSeconds;
    if (key.expiresAt) expiresAt = Math.min(expiresAt, Math.floor(Date.parse(key.expiresAt) / 1000));
    const claims: SessionClaims = { keyId: key.id, expiresAt, nonce: randomBytes(16).toString('base64url') };
    const payload = Buffer.from(JSON.stringify([claims.keyId, claims.expiresAt, claims.nonce])).toString('base64url');
    return { cookie: `${payload}.${this.sign('session', payload)}`, claims, csrfToken: this.csrfToken(claims) };
  }

  /** The claims of a well-signed, unexpired cookie value; null for anything else. */
  verify(value: string, now = Date.now()): SessionClaims | null {
    const [payload, signature, extra] = value.split('.');
    if (!payload || !signature || extra !== undefined || !this.same(signature, this.sign('session', payload))) {
      return null;
    }
    try {
      const [keyId, expiresAt, nonce] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
      if (typeof keyId !== 'string' || typeof expiresAt !== 'number' || typeof nonce !== 'string') return null;
      return expiresAt * 1000 > now ? { keyId, expiresAt, nonce } : null;
    } catch {
      return null;
    }
  }

  csrfToken(claims: SessionClaims): string {
    return this.sign('csrf', claims.nonce);
  }

  /**
   * The key of the request's session cookie, or undefined when it carries none. A bad or expired cookie, a revoked
   * key, or a change without the CSRF token (or from another origin) is refused.
   */
  async authenticate(request: SessionRequest): Promise<ApiKey | undefined> {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (value === undefined) return undefined;
    const claims = this.verify(value);
    if (!claims) throw new GatewayException('UNAUTHENTICATED', 'The session has expired: sign in again');
    if (!SAFE_METHODS.has(request.method)) this.checkCsrf(request, claims);
    const key = await this.keys.findActive(claims.keyId);
    request.session = claims;
    return key;
  }

  /** Refuses a request a browser sent from another origin (sign-in included: no logging a victim into a key). */
  checkOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin !== undefined && !sameHost(origin, request.headers.host)) {
      throw new GatewayException('CSRF_REJECTED', 'Cross-origin requests are not accepted for console sessions');
    }
  }

  private checkCsrf(request: FastifyRequest, claims: SessionClaims): void {
    this.checkOrigin(request);
    const token = request.headers[CSRF_HEADER];
    if (typeof token !== 'string' || !this.same(token, this.csrfToken(claims))) {
      throw new GatewayException(
        'CSRF_REJECTED',
        `Changes made with the session cookie need the ${CSRF_HEADER} header`,
      );
    }
  }

  /** `Set-Cookie` for a session (HttpOnly, SameSite=Strict, Secure over https, gone when the session ends). */
  setCookie(cookie: string, claims: SessionClaims, request: FastifyRequest, now = Date.now()): string {
    const maxAge = Math.max(0, claims.expiresAt - Math.floor(now / 1000));
    return `${SESSION_COOKIE}=${cookie}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.secure(request)}`;
  }

  clearCookie(request: FastifyRequest): string {
    return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${this.secure(request)}`;
  }

  private secure(request: FastifyRequest): string {
    return this.config.secureCookies || request.protocol === 'https' ? '; Secure' : '';
  }

  private sign(purpose: string, value: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}.${value}`).digest('base64url');
  }

  private same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

/** One cookie's value from a Cookie header (no library needed for a single name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return !!host && new URL(origin).host === host;
  } catch {
    return false;
  }
}
