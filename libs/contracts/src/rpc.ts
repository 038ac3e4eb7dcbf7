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

/** An account in the pool's registry (KV `accounts`), as `GET /v1/accounts` lists it. */
export interface AccountEntry extends AccountStatus {
  provider: ProviderName;
  worker: string;
  /** Jobs the account runs at once at most. */
  capacity: number;
  /** Taken out of rotation by an operator (it keeps running what it holds). */
  disabled: boolean;
  /** How the account shares the pool's work: weight, daily job limit (0: none), UTC working hours, why it is idle. */
  pool: {
    weight: number;
    dailyJobLimit: number;
    submittedToday: number;
    workingHours: string | null;
    offDuty: 'daily_limit' | 'working_hours' | null;
  };
  /** Facts the provider's site shows about the plan (e.g. Midjourney's fast hours left), when the adapter reads them. */
  plan: Record<string, unknown> | null;
  updatedAt: string;
}

/** An operator's decision about an account (KV `account_controls`). */
export interface AccountControl {
  disabled: boolean;
  at: string;
}

/** Account names: one NATS subject token and one KV key part. */
export const ACCOUNT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

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
