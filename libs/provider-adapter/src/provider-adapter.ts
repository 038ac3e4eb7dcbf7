import type { Provider, Type } from '@nestjs/common';
import type { AccountState, JobMessage, ProviderException, ProviderName, StoredFile } from '@app/contracts';

/** What a provider accepted. Stored in the in-flight KV, so it must stay JSON. */
export interface Submission {
  providerJobId: string;
  /** Files the job should end with (MJ batch_size, Ideogram num_images). Completed only when all are stored. */
  expectedCount: number;
  kind: 'image' | 'video';
  /** Expected render time; the first poll comes shortly after it (adaptive polling). */
  expectedDurationMs: number;
  queued?: boolean;
  submittedPrompt?: string;
  providerPrompt?: string;
  /** Anything else the adapter needs later to poll or download (JSON). */
  meta?: Record<string, unknown>;
  /** Result fields known at submission (an Ideogram caption, a ChatGPT conversation id), merged into the job's result. */
  result?: Record<string, unknown>;
}

export type InflightPhase = 'submitting' | 'submitted';

/** jobId → state in the provider's KV bucket; a restarted worker resumes from it. */
export interface InflightState {
  job: JobMessage;
  account: string;
  phase: InflightPhase;
  submission?: Submission;
  /** Files stored so far, by provider index. */
  stored: StoredFile[];
  /** Last event sequence number published for the job. */
  seq: number;
  polls: number;
  /** Consecutive transient poll failures (backoff, not failure). */
  pollErrors: number;
  submittedAt?: string;
  /** When the 'submitting' phase began: reconciliation looks for provider jobs enqueued after it. */
  submittingAt?: string;
  /** Polls made after the expected finish (drives the backoff). */
  overduePolls?: number;
  /** Submissions refused for now after a reconciliation found nothing (429, 5xx before acceptance): bounds retries. */
  submitAttempts?: number;
  /** Operation-specific result fields gathered so far (text, code blocks…); kept at a deadline as partial output. */
  extra?: Record<string, unknown>;
  updatedAt: string;
}

/** A file the provider says exists (or may exist) now. */
export interface ResultRef {
  index: number;
  url: string;
  kind: 'image' | 'video';
  /**
   * A file beside the results (a Midjourney grid composite): stored like them and counted in `expectedCount`, but
   * served as `result.<role>` instead of among `images`/`videos`.
   */
  role?: string;
}

export interface PollOutcome {
  state: 'queued' | 'running' | 'completed' | 'failed';
  /** 0–100 when the provider reports it. */
  progress?: number;
  /** Files to try to download now; indexes already stored are skipped by the runtime. */
  ready: ResultRef[];
  /** With state 'failed': the classified reason. */
  error?: ProviderException;
  /** Provider hint for the next poll. */
  retryAfterMs?: number;
  /** Operation-specific result fields known now (cumulative: they replace earlier values of the same keys). */
  result?: Record<string, unknown>;
  /**
   * Files the job ends with, when only the provider's answer tells (a ChatGPT reply with n images). With
   * state 'completed' and an expected count of 0 the job completes without files (describe, text answers).
   */
  expectedCount?: number;
}

export interface DownloadedFile {
  bytes: Buffer;
  contentType: string;
  width?: number;
  height?: number;
}

export interface AccountCheck {
  signedIn: boolean;
  state: AccountState;
  detail?: string;
}

/**
 * One provider, one class (Ghostfolio's data providers): the runtime consumes jobs, keeps in-flight state, paces
 * the account and schedules polls; the adapter only speaks the provider's protocol. Every call takes a signal.
 */
export abstract class ProviderAdapter {
  abstract readonly provider: ProviderName;
  abstract readonly operations: readonly string[];

  /** Validates `job.input` for its operation and submits it. Throws ProviderException for expected failures. */
  abstract submit(job: JobMessage, signal: AbortSignal): Promise<Submission>;

  /** One status check of a submitted job. Transient failures throw; terminal provider states return 'failed'. */
  abstract poll(state: InflightState, signal: AbortSignal): Promise<PollOutcome>;

  /** Fetches one result file; throws ProviderException('PROVIDER_TIMEOUT'|...) or returns null when not there yet. */
  abstract download(state: InflightState, ref: ResultRef, signal: AbortSignal): Promise<DownloadedFile | null>;

  /** Where a file goes in storage (the original's bucket and path patterns). */
  abstract storageTarget(state: InflightState, ref: ResultRef, file: DownloadedFile): { bucket: string; path: string };

  /** Maps anything thrown by the adapter or the browser to a classified ProviderException. */
  abstract classifyError(error: unknown): ProviderException;

  /** Self-test: browser up and the account signed in (start, readiness, after a 401). */
  abstract checkAccount(signal: AbortSignal): Promise<AccountCheck>;

  /**
   * After a crash during `submitting` (or a submit whose outcome is unknown), looks the job up in the provider's own
   * job list. Returns the submission when found, null when surely not submitted; throws when it cannot tell yet (the
   * runtime asks again later, `control.retryAfterMs` when given); absent when the provider offers no list (the job
   * then fails SUBMISSION_UNKNOWN instead of being submitted twice).
   */
  findSubmission?(state: InflightState, signal: AbortSignal): Promise<Submission | null>;

  /**
   * Push delivery (a provider's websocket). The runtime calls this once with `wake`; the adapter calls `wake` with a
   * provider job id when news of that job arrives (the runtime then polls it at once, and `poll` may answer from what
   * the push carried), or without one when push delivery changed for every job (a socket dropped: poll them all).
   */
  watch?(wake: (providerJobId?: string) => void): void;

  /** True while news of this job arrives by push: the runtime then polls it only as a backstop (`pushBackstopMs`). */
  pushes?(state: InflightState): boolean;

  /** Called once a job has ended (any terminal status): free its tab or other per-job resources. */
  release?(jobId: string): Promise<void>;

  /** Browser state for status replies and readiness (absent for adapters without a browser). */
  browserState?(): { connected: boolean; launchedAt: string | null; relaunches: number; pages: number };
  /** Facts about the account's plan the site showed at the last check (for the pool's registry), if the adapter reads any. */
  planFacts?(): Record<string, unknown> | null;

  /** Starts the browser session etc.; called once by the runtime before consuming. */
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}

export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');

/** Registers adapters and gathers them under PROVIDER_ADAPTERS for the runtime. */
export function provideAdapters(...adapters: Type<ProviderAdapter>[]): Provider[] {
  return [
    ...adapters,
    { provide: PROVIDER_ADAPTERS, inject: adapters, useFactory: (...all: ProviderAdapter[]) => all },
  ];
}
