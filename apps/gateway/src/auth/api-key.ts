import { hash, randomBytes } from 'node:crypto';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  /** Per-key limits; null: the configured default (see LimitsConfig). */
  limits: KeyLimits;
}

export interface KeyLimits {
  requestsPerMinute: number | null;
  jobsPerDay: number | null;
  concurrentJobs: number | null;
  concurrentStreams: number | null;
}

export const NO_KEY_LIMITS: KeyLimits = {
  requestsPerMinute: null,
  jobsPerDay: null,
  concurrentJobs: null,
  concurrentStreams: null,
};

/** Keys are 192-bit random strings, so one SHA-256 is the right hash (a slow KDF would only cost latency). */
export function hashKey(plain: string): string {
  return hash('sha256', plain, 'hex'); // one-shot: a fifth of createHash's cost on every request
}

export function newPlainKey(): string {
  return `gw_${randomBytes(24).toString('base64url')}`;
}

/** Keys created before the limit stored 10 characters: lists cut them to the limit too. */
export const PREFIX_MAX = 6;

/** The part of a key shown in lists: at most 6 characters and never more than a third of the key. */
export function visiblePrefix(plain: string): string {
  return plain.slice(0, Math.min(PREFIX_MAX, Math.floor(plain.length / 3)));
}

export function keyAllows(key: Pick<ApiKey, 'scopes'>, scope: string): boolean {
  return key.scopes.includes('*') || key.scopes.includes(scope);
}

/** Keys that manage keys (`admin` or `*`): operators, so configured defaults do not bind them (explicit limits do). */
export function isAdminKey(key: Pick<ApiKey, 'scopes'>): boolean {
  return key.scopes.includes('*') || key.scopes.includes('admin');
}
