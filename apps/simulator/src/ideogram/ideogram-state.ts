import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface IdeoAccount {
  name: string;
  /** Ideogram user ids are short URL-safe tokens. */
  userId: string;
  handle: string;
  /** Sent by the web app as `x-ideo-org`. */
  orgId: string;
  /** The `session_cookie` value (long-lived). */
  session: string;
  /** Firebase-style ID tokens (Bearer) → expiry (epoch ms): several stay valid at once, as with Firebase. */
  tokens: Map<string, number>;
  /** The newest token. */
  token: string;
  refreshToken: string;
  revoked: boolean;
  /** Credits left; null = unlimited (plans with slow generations). */
  credits: number | null;
}

export type IdeoRequestType = 'GENERATE' | 'VARIATION' | 'REMIX' | 'SUPER_RES';

export interface IdeoRequest {
  request_id: string;
  account: string;
  type: IdeoRequestType;
  prompt: string;
  parent: Record<string, unknown> | null;
  numImages: number;
  width: number;
  height: number;
  modelVersion: string;
  magicPrompt: string;
  styleExpert: string;
  submittedAt: number;
  completesAt: number;
  /** stuck: holds at 99 % forever; errored: fails half way with `errorReason`. */
  marker?: 'stuck' | 'errored';
  errorReason?: string;
  responseIds: string[];
  seed: number;
  pollRequests: number;
  legacyPolls: number;
  downloadRequests: number;
}

export interface IdeoUpload {
  id: string;
  account: string;
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
  createdAt: number;
}

/** An image that can be downloaded: a response of a request, or the result of a background removal. */
export interface IdeoAsset {
  id: string;
  requestId: string | null;
  index: number;
  width: number;
  height: number;
  colourKey: string;
}

export interface IdeoTiming {
  speed: number;
  jitter: number;
  /** `max_inflight_requests` of every account (the observed account had 1). */
  maxInflight: number;
  tokenLifetimeS: number;
  /** Refuse `/api/*` calls without a Bearer (the 2023–24 generation); off = cookie session + x-ideo-org. */
  requireBearer: boolean;
}

/** Unscaled durations (ms) of the real site (PROVIDERS.md §1.3, §5.2). */
export const IDEOGRAM_BASE_MS = {
  upload: 2500,
  describe: 4000,
  generate: 60_000,
  upscale: 45_000,
  removeBackground: 6000,
} as const;

/** The fraction of a request's time after which it has started, and from which it holds at 99 %. */
const START_AT = 0.05;
const HOLD_AT = 0.85;

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const token = (bytes = 16) => randomBytes(bytes).toString('base64url');

/** Per-account sessions, requests, uploads and assets of the ideogram.ai imitation (in memory). */
export class IdeogramState {
  readonly accounts = new Map<string, IdeoAccount>();
  readonly requests = new Map<string, IdeoRequest>();
  readonly uploads = new Map<string, IdeoUpload>();
  readonly assets = new Map<string, IdeoAsset>();
  /** Accepted samples (requests created): "never submitted twice" tests count these. */
  submits = 0;
  tokenRefreshes = 0;
  tokenSourceRequests = 0;
  rejectedTokens = 0;
  requestCounts: Record<string, number> = {};

  constructor(readonly timing: IdeoTiming) {
    this.account('default');
  }

  count(endpoint: string): void {
    this.requestCounts[endpoint] = (this.requestCounts[endpoint] ?? 0) + 1;
  }

  account(name: string): IdeoAccount {
    let account = this.accounts.get(name);
    if (!account) {
      account = {
        name,
        userId: token(16),
        handle: `sim_${name}`,
        orgId: randomUUID(),
        session: token(32),
        tokens: new Map(),
        token: '',
        refreshToken: '',
        revoked: false,
        credits: null,
      };
      this.issueToken(account);
      this.accounts.set(name, account);
    }
    return account;
  }

  /** A new ID token (~1 h) and a rotated refresh token, as Firebase's securetoken endpoint does. */
  issueToken(account: IdeoAccount, now = Date.now()): { token: string; expiresAt: number } {
    const exp = now + this.timing.tokenLifetimeS * 1000;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    account.token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ user_id: account.userId, exp: Math.floor(exp / 1000) })}.${token(16)}`;
    account.tokens.set(account.token, exp);
    account.refreshToken = token(24);
    return { token: account.token, expiresAt: exp };
  }

  /** Every token of the account expires now (the next call bearing one gets 401). */
  expireTokens(account: IdeoAccount, now = Date.now()): void {
    for (const key of account.tokens.keys()) account.tokens.set(key, now - 1);
  }

  bySession(value: string | undefined): IdeoAccount | undefined {
    if (!value) return undefined;
    for (const account of this.accounts.values()) if (account.session === value) return account;
    return undefined;
  }

  byRefreshToken(value: string | undefined): IdeoAccount | undefined {
    if (!value) return undefined;
    for (const account of this.accounts.values()) if (account.refreshToken === value) return account;
    return undefined;
  }

  /** valid | expired (a token this account once had, or past its expiry) | unknown. */
  /** valid, expired (a token of some account past its expiry) or unknown; with the account it belongs to. */
  checkToken(bearer: string, now = Date.now()): { state: 'valid' | 'expired' | 'unknown'; account?: IdeoAccount } {
    for (const account of this.accounts.values()) {
      const exp = account.tokens.get(bearer);
      if (exp !== undefined) return { state: now < exp ? 'valid' : 'expired', account };
    }
    return { state: 'unknown' };
  }

  scaled(baseMs: number): number {
    const jitter = this.timing.jitter ? 1 + (Math.random() * 2 - 1) * this.timing.jitter : 1;
    return Math.max(20, Math.round(baseMs * this.timing.speed * jitter));
  }

  /** Waits an endpoint's scaled duration (upload, describe, background removal). */
  work(baseMs: number): Promise<void> {
    return sleepFor(this.scaled(baseMs));
  }

  createRequest(
    input: Omit<
      IdeoRequest,
      | 'request_id'
      | 'submittedAt'
      | 'completesAt'
      | 'responseIds'
      | 'seed'
      | 'pollRequests'
      | 'legacyPolls'
      | 'downloadRequests'
    > & { durationMs: number },
    now = Date.now(),
  ): IdeoRequest {
    const { durationMs, ...rest } = input;
    const request: IdeoRequest = {
      ...rest,
      request_id: token(16),
      submittedAt: now,
      completesAt: now + durationMs,
      responseIds: [],
      seed: Math.floor(Math.random() * 2_000_000_000),
      pollRequests: 0,
      legacyPolls: 0,
      downloadRequests: 0,
    };
    this.requests.set(request.request_id, request);
    this.submits++;
    const account = this.accounts.get(request.account);
    if (account && account.credits !== null) account.credits = Math.max(0, account.credits - request.numImages);
    return request;
  }

  /** Where a request stands: progress climbs, holds at 99, then completes (or errors) with its responses. */
  view(request: IdeoRequest, now = Date.now()) {
    const span = Math.max(1, request.completesAt - request.submittedAt);
    let f = (now - request.submittedAt) / span;
    if (request.marker === 'stuck') f = Math.min(f, 0.99);
    const errored = request.marker === 'errored' && f >= 0.5;
    const completed = !errored && f >= 1;
    if (completed && request.responseIds.length === 0) {
      for (let i = 0; i < request.numImages; i++) {
        const id = token(16);
        request.responseIds.push(id);
        this.assets.set(id, {
          id,
          requestId: request.request_id,
          index: i,
          width: request.width,
          height: request.height,
          colourKey: `${request.request_id}:${i}`,
        });
      }
    }
    const started = f >= START_AT;
    let percentage = 0;
    if (completed) percentage = 100;
    else if (started) percentage = Math.min(99, 8 + Math.floor(((f - START_AT) / (HOLD_AT - START_AT)) * 91));
    return {
      has_started: started || completed,
      completion_percentage: percentage,
      is_completed: completed,
      is_errored: errored,
      error_reason: errored ? (request.errorReason ?? 'Generation failed') : null,
    };
  }

  /** Requests of the account neither completed nor errored: the in-flight count the quota endpoint reports. */
  inflight(account: string, now = Date.now()): number {
    let n = 0;
    for (const request of this.requests.values()) {
      if (request.account !== account) continue;
      const v = this.view(request, now);
      if (!v.is_completed && !v.is_errored) n++;
    }
    return n;
  }

  addUpload(account: string, bytes: Buffer, contentType: string): IdeoUpload {
    const size = pngDimensions(bytes) ?? { width: 1024, height: 1024 };
    const upload: IdeoUpload = { id: token(16), account, bytes, contentType, ...size, createdAt: Date.now() };
    this.uploads.set(upload.id, upload);
    return upload;
  }

  /** A deterministic caption per image (the same bytes always describe the same way). */
  caption(upload: IdeoUpload): string {
    const hash = createHash('sha256').update(upload.bytes).digest('hex').slice(0, 6);
    return `A simulated design ${hash}: a bold graphic on a plain background, ${upload.width}x${upload.height}`;
  }

  /** A new asset for a background removal of a response or an upload (same size, its own colour). */
  removeBackground(source: { width: number; height: number; id: string }): IdeoAsset {
    const asset: IdeoAsset = {
      id: token(16),
      requestId: null,
      index: 0,
      width: source.width,
      height: source.height,
      colourKey: `nobg:${source.id}`,
    };
    this.assets.set(asset.id, asset);
    return asset;
  }

  reset(): void {
    this.requests.clear();
    this.uploads.clear();
    this.assets.clear();
    this.submits = 0;
    this.tokenRefreshes = 0;
    this.tokenSourceRequests = 0;
    this.rejectedTokens = 0;
    this.requestCounts = {};
    for (const account of this.accounts.values()) {
      account.credits = null;
      account.revoked = false;
    }
  }

  describe(request: IdeoRequest, now = Date.now()) {
    return { ...request, ...this.view(request, now) };
  }
}

function pngDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47) return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
