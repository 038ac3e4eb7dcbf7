import { randomBytes, randomUUID } from 'node:crypto';

export interface MjAccount {
  name: string;
  userId: string;
  idToken: string;
  idTokenExp: number; // epoch s
  refreshToken: string;
  revoked: boolean;
  /** `authUser.websocketToken` of /api/firebase-login: opens the websocket. */
  websocketToken: string;
}

export interface MjJob {
  job_id: string;
  account: string;
  /** The submission's `t` (imagine, vary, upscale, pan, reroll, remix, video). */
  t?: string;
  parentId?: string;
  prompt: string; // what was submitted
  echo: string; // normalised echo
  mode: string;
  kind: 'image' | 'video';
  width: number;
  height: number;
  batchSize: number;
  submittedAt: number;
  completesAt: number;
  completedAt?: number;
  marker?: 'stuck' | 'fail' | 'moderated';
  statusRequests: number;
  cdnRequests: number;
  isQueued: boolean;
}

export interface MjUpload {
  code: string;
  bucketPathname: string;
  bytes: Buffer;
  contentType: string;
}

export interface SimTiming {
  speed: number;
  jitter: number;
  runningLimit: number;
  staggerMs: number;
  tokenLifetimeS: number;
}

const BASE_RENDER_MS: Record<string, number> = { fast: 30_000, relax: 60_000, relaxed: 60_000, turbo: 15_000 };

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Per-account sessions, jobs and uploads of the Midjourney imitation (in memory). */
export class MidjourneyState {
  readonly accounts = new Map<string, MjAccount>();
  readonly jobs = new Map<string, MjJob>();
  readonly uploads = new Map<string, MjUpload>();
  submits = 0;
  /** Submissions per `t` (every call to /api/submit-jobs that got past auth, accepted or not). */
  submitsByType: Record<string, number> = {};
  describes = 0;
  requests: Record<string, number> = {};
  private readonly jobListeners: Array<(job: MjJob) => void> = [];

  constructor(readonly timing: SimTiming) {
    this.account('default');
  }

  countSubmit(t: string): void {
    this.submitsByType[t] = (this.submitsByType[t] ?? 0) + 1;
  }

  /** Called with every job the site accepted (the websocket streams it). */
  onJob(listener: (job: MjJob) => void): void {
    this.jobListeners.push(listener);
  }

  add(job: MjJob): void {
    this.jobs.set(job.job_id, job);
    this.submits++;
    for (const listener of this.jobListeners) listener(job);
  }

  byWebsocketToken(token: string | undefined): MjAccount | undefined {
    if (!token) return undefined;
    for (const account of this.accounts.values()) if (account.websocketToken === token) return account;
    return undefined;
  }

  count(endpoint: string): void {
    this.requests[endpoint] = (this.requests[endpoint] ?? 0) + 1;
  }

  account(name: string): MjAccount {
    let account = this.accounts.get(name);
    if (!account) {
      account = {
        name,
        userId: randomUUID(),
        idToken: '',
        idTokenExp: 0,
        refreshToken: '',
        revoked: false,
        websocketToken: randomBytes(18).toString('base64url'),
      };
      this.rotate(account);
      this.accounts.set(name, account);
    }
    return account;
  }

  /** Issues a new short-lived id token and rotates the refresh token (as Firebase does). */
  rotate(account: MjAccount): void {
    account.idTokenExp = Math.floor(Date.now() / 1000) + this.timing.tokenLifetimeS;
    account.idToken = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ user_id: account.userId, sub: account.userId, exp: account.idTokenExp })}.${randomBytes(16).toString('base64url')}`;
    account.refreshToken = randomBytes(24).toString('base64url');
  }

  byIdToken(token: string | undefined): MjAccount | undefined {
    if (!token) return undefined;
    for (const account of this.accounts.values()) {
      if (account.idToken === token && account.idTokenExp > Date.now() / 1000) return account;
    }
    return undefined;
  }

  byRefreshToken(token: string | undefined): MjAccount | undefined {
    if (!token) return undefined;
    for (const account of this.accounts.values()) if (account.refreshToken === token) return account;
    return undefined;
  }

  renderMs(mode: string, kind: 'image' | 'video'): number {
    const base = (BASE_RENDER_MS[mode] ?? 30_000) * (kind === 'video' ? 1.5 : 1);
    const jitter = this.timing.jitter ? 1 + (Math.random() * 2 - 1) * this.timing.jitter : 1;
    return Math.max(50, base * this.timing.speed * jitter);
  }

  running(account: string, now = Date.now()): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.account === account && this.state(job, now) === 'running') n++;
    return n;
  }

  state(job: MjJob, now = Date.now()): 'running' | 'completed' | 'failed' | 'moderated' {
    if (job.marker === 'stuck') return 'running';
    // Moderation strikes during the run, halfway through the render; no file ever appears.
    if (job.marker === 'moderated' && now >= (job.submittedAt + job.completesAt) / 2) return 'moderated';
    if (now < job.completesAt) return 'running';
    if (job.marker === 'fail') return 'failed';
    job.completedAt ??= job.completesAt;
    return 'completed';
  }

  progress(job: MjJob, now = Date.now()): number {
    if (job.marker === 'stuck') return 42;
    const state = this.state(job, now);
    if (state === 'moderated') return 50;
    if (state !== 'running') return 100;
    return Math.min(99, Math.floor((100 * (now - job.submittedAt)) / Math.max(1, job.completesAt - job.submittedAt)));
  }

  cellReady(job: MjJob, index: number, now = Date.now()): boolean {
    return (
      this.state(job, now) === 'completed' &&
      now >= job.completesAt + index * this.timing.staggerMs &&
      index < job.batchSize
    );
  }

  reset(): void {
    this.jobs.clear();
    this.uploads.clear();
    this.submits = 0;
    this.submitsByType = {};
    this.describes = 0;
    this.requests = {};
  }

  describe(job: MjJob, now = Date.now()) {
    return { ...job, state: this.state(job, now), progress: this.progress(job, now) };
  }
}
