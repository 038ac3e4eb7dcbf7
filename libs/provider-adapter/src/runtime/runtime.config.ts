import { hostname } from 'node:os';
import type { ProviderName } from '@app/contracts';

/** Pacing and polling of one worker (= one account). Defaults follow PROVIDERS.md §6 for real accounts. */
export class RuntimeConfig {
  provider!: ProviderName;
  account: string = 'default';
  workerId: string = `${hostname()}-${process.pid}`;
  /** Minimum gap between two submissions of this account. */
  minSubmitGapMs: number = 12_000;
  /** Jobs running at the provider at once for this account; the rest wait in the JetStream queue. */
  maxRunning: number = 3;
  /** Added to the gap on every 429 (capped at 5 min), halved on each success. */
  rateLimitPenaltyMs: number = 30_000;
  pollMinMs: number = 250;
  pollMaxMs: number = 5_000;
  /** While an adapter receives a job's news by push (a websocket), the gap between backstop polls. */
  pushBackstopMs: number = 15_000;
  /** Fraction of the expected render time before the first poll (learns the provider's progress rate). */
  firstPollFraction: number = 0.3;
  accountCheckIntervalMs: number = 60_000;
  ackWaitMs: number = 60_000;
  /** An event at least this often while a job is processing (product_design heartbeat). */
  heartbeatMs: number = 15_000;
  maxDownloadConcurrency: number = 4;
  /** Deliveries of one message before a retriable failure ends the job. */
  maxDeliveries: number = 6;
  submitTimeoutMs: number = 120_000;
  /** How long a job waits in the queue when the provider says the account is full (in-flight limit). */
  queueWaitMs: number = 5_000;
  /** ± share of the minimum gap drawn at random for each submission, so an account does not tick like a clock. */
  gapJitter: number = 0.2;
  /** Submissions per UTC day at most (0: no limit); past it the account takes no jobs until midnight UTC. */
  dailyJobLimit: number = 0;
  /** Minutes of the UTC day the account works, [start, end) (end < start spans midnight); null: always. */
  workingHours: { start: number; end: number } | null = null;
  /** Share of the pool's work relative to the other accounts (1 = even; 2 pulls twice as eagerly). */
  weight: number = 1;
}
