import type { ProviderName } from './providers.js';

/** Account states reported by workers (PROVIDERS.md §6.3). */
export const ACCOUNT_STATES = [
  'starting',
  'ready',
  'cooling_down',
  'challenge',
  'signed_out',
  'disabled',
  'error',
] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export interface AccountStatus {
  account: string;
  state: AccountState;
  signedIn: boolean;
  browser: { connected: boolean; launchedAt: string | null; relaunches: number; pages: number };
  running: number;
  queued: number;
  cooldownUntil: string | null;
  lastError: { code: string; message: string; at: string } | null;
}

/** Reply of `<provider>.status` and `<provider>.init`. */
export interface StatusReply {
  provider: ProviderName;
  worker: string;
  uptimeSeconds: number;
  account: AccountStatus;
}

export interface PingReply {
  provider: ProviderName;
  worker: string;
  at: string;
}

/** RPC error payload carried by RpcException, mapped by the gateway to HTTP with the same code. */
export interface RpcErrorPayload {
  code: string;
  message: string;
  details?: unknown;
}
