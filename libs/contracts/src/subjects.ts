import type { ProviderName } from './providers.js';

/**
 * Every NATS name in one place. JetStream carries what must not be lost (jobs, events, in-flight state);
 * core request/reply carries short synchronous commands.
 */
export const Streams = {
  jobs: 'JOBS', // work-queue retention, subjects jobs.<provider>.<operation>
  events: 'JOB_EVENTS', // limits retention, subjects events.<provider>.<jobId>
} as const;

export const Subjects = {
  job: (provider: ProviderName, operation: string) => `jobs.${provider}.${operation}`,
  jobsOf: (provider: ProviderName) => `jobs.${provider}.>`,
  allJobs: 'jobs.>',
  /**
   * Jobs pinned to one account (follow-ups of that account's own jobs): only that account's worker consumes them.
   * Outside `jobs.<provider>.>` on purpose: a work-queue stream refuses consumers whose filters overlap.
   */
  pinnedJob: (provider: ProviderName, account: string) => `jobs.pinned.${provider}.${subjectToken(account)}`,
  pinnedJobsOf: (provider: ProviderName) => `jobs.pinned.${provider}.>`,
  event: (provider: ProviderName, jobId: string) => `events.${provider}.${jobId}`,
  allEvents: 'events.>',
  /**
   * Core NATS between gateway replicas: job changes a replica made (so every replica's SSE and waits see them) and
   * API key changes (so a revocation holds everywhere at once).
   */
  gatewayReplicas: 'gateway.replicas',
  /** Core request/reply, served by every replica of a provider's worker (queue group = provider). */
  rpc: {
    status: (provider: ProviderName) => `${provider}.status`,
    init: (provider: ProviderName) => `${provider}.init`,
    ping: (provider: ProviderName) => `${provider}.ping`,
    proxyImage: (provider: ProviderName) => `${provider}.proxy-image`,
    /** Re-check one account now (only that account's worker answers). */
    accountCheck: (provider: ProviderName, account: string) => `${provider}.accounts.${account}.check`,
    /** A provider's own quick commands (`ideogram.upload`, `chatgpt.recent-images`, …). */
    command: (provider: ProviderName, name: string) => `${provider}.${name}`,
  },
} as const;

/**
 * An account name as one subject token and durable-name part: letters, digits, `_` and `-` stay; anything else
 * (dots, wildcards, spaces) becomes `_` and its hex code, so two accounts never share a subject.
 */
export function subjectToken(name: string): string {
  return name.replace(/[^A-Za-z0-9-]|_/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

export const Consumers = {
  /** One durable per provider shared by all replicas: replicas (one per account) share the load. */
  worker: (provider: ProviderName) => `worker_${provider}`,
  gatewayEvents: 'gateway_events',
  /** One durable per account for the jobs pinned to it (its replicas, if any, share it). */
  pinnedWorker: (provider: ProviderName, account: string) => `worker_${provider}_pinned_${subjectToken(account)}`,
} as const;

export const Buckets = {
  /** jobId → InflightState, owned by the provider's workers. */
  inflight: (provider: ProviderName) => `inflight_${provider}`,
  /** jobId → cancel marker written by the gateway, read by workers before submit and on each poll. */
  canceled: 'canceled_jobs',
  /**
   * jobId → end marker of jobs a provider's workers finished: a job message redelivered after its job ended (its
   * first worker died before acking it, a restarted one finished the job) is acked, never submitted again.
   */
  finished: (provider: ProviderName) => `finished_${provider}`,
  /**
   * `<provider>.<account>` → AccountEntry: the pool's registry. Each worker writes its account's entry every few
   * seconds; the bucket's TTL drops the entry of a worker that died.
   */
  accounts: 'accounts',
  /** `<provider>.<account>` → AccountControl written by the gateway (an operator disabled an account). */
  accountControls: 'account_controls',
} as const;

/** An account's registry entry lives this long unless its worker writes it again (every 3 s). */
export const ACCOUNT_ENTRY_TTL_MS = 15_000;

/** The registry key of an account. */
export const accountKey = (provider: ProviderName, account: string) => `${provider}.${account}`;

/** Headers used by the chunked proxy-image reply (NATS payloads are capped at 1 MiB by default). */
export const ChunkHeaders = {
  index: 'Chunk-Index',
  last: 'Chunk-Last',
  contentType: 'Content-Type',
  errorCode: 'Error-Code',
} as const;
