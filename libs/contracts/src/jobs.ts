import type { ErrorBody } from './errors.js';
import type { ProviderName } from './providers.js';

export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'timeout', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'timeout', 'canceled']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

const RANK: Record<JobStatus, number> = {
  pending: 0,
  processing: 1,
  completed: 2,
  failed: 2,
  timeout: 2,
  canceled: 2,
};

/** A status never moves backwards, and a terminal status is final (events may arrive twice or out of order). */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  if (isTerminal(from)) return false;
  return RANK[to] >= RANK[from];
}

/** One stored result file. `index` is the provider's cell/response position, stable across re-deliveries. */
export interface StoredFile {
  index: number;
  url: string;
  bucket: string;
  path: string;
  contentType: string;
  size: number;
  width?: number;
  height?: number;
  /** Where the worker fetched it from at the provider (CDN URL etc.). */
  sourceUrl?: string;
  /** Set on a file beside the results (e.g. `grid`): the job's result shows it under that name. */
  role?: string;
}

export interface JobResult {
  images: StoredFile[];
  videos?: StoredFile[];
  /** The provider's own job/request id. */
  providerJobId?: string;
  /** What the worker actually submitted (full prompt with flags), and the provider's normalised echo. */
  submittedPrompt?: string;
  providerPrompt?: string;
  expectedCount?: number;
  /** True when the deadline passed with some but not all files stored. */
  partial?: boolean;
  /**
   * When the worker learned the provider had finished the job (ISO time): the detection the pushes and polls race
   * for. `completed_at` comes later by the downloads and storage of the files.
   */
  providerDoneAt?: string;
  [extra: string]: unknown;
}

/** The job as the gateway stores and serves it. */
export interface Job {
  id: string;
  provider: ProviderName;
  operation: string;
  status: JobStatus;
  progress: number;
  input: Record<string, unknown>;
  result: JobResult | null;
  error: ErrorBody | null;
  ideaId: string | null;
  apiKeyId: string | null;
  idempotencyKey: string | null;
  webhookUrl: string | null;
  /** Which changes the webhook hears (`start`, `progress`, `completed`); null or absent: `completed` only. */
  webhookEvents?: string[] | null;
  deadlineAt: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
}
