import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ProviderName } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { isDatabaseUnavailable } from '../persistence/database.js';
import { LimitsConfig } from './limits.config.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { RateCountersRepository } from './rate-counters.repository.js';

export const OPEN_JOBS_PREFIX = 'open-jobs:';
const openJobsKey = (keyId: string) => `${OPEN_JOBS_PREFIX}${keyId}`;
const streamsKey = (keyId: string) => `streams:${keyId}`;
const dayKey = (keyId: string, provider: string, day: string) => `jobs-day:${keyId}:${provider}:${day}`;
/** Open jobs have no window: their pool lasts until `tidy` or the job ends give units back. */
const NO_WINDOW_MS = 10 * 365 * 24 * 3600 * 1000;
/** A concurrency slot frees when a job or stream ends, which nobody can predict: a short, honest guess. */
const CONCURRENCY_RETRY_S = 5;

export class QuotaTiming {
  /** A replica renews the stream pools it holds this often; a pool not renewed for `streamLeaseMs` starts empty. */
  streamRenewMs = 30_000;
  streamLeaseMs = 90_000;
  /** How often open-job pools are healed against the jobs table and ended windows dropped. */
  tidyMs = 60_000;
}

function exceeded(message: string, policy: string, quota: number, retryS: number, windowSeconds?: number) {
  return new GatewayException('QUOTA_EXCEEDED', message, undefined, undefined, {
    ...rateLimitHeaders({ policy, quota, windowSeconds, remaining: 0, resetSeconds: windowSeconds && retryS }),
    'retry-after': String(Math.max(1, retryS)),
  });
}

/**
 * The per-key quotas that are not request rates: jobs per provider per UTC day, open (pending/processing) jobs and
 * open SSE streams. They live in the shared counters, so every gateway replica enforces the same pool. Units are
 * taken before the work starts and given back when it ends; a crash that loses a give-back is healed (open jobs:
 * recounted from the jobs table; streams: their lease runs out). Unlimited keys are not counted at all.
 */
@Injectable()
export class QuotasService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QuotasService.name);
  /** Stream pools this replica holds units of, and how many. */
  private readonly streams = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly counters: RateCountersRepository,
    private readonly config: LimitsConfig,
    private readonly timing: QuotaTiming,
  ) {}

  onApplicationBootstrap(): void {
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => {
        task().catch((error: unknown) => {
          if (!isDatabaseUnavailable(error)) this.logger.warn(`quota upkeep failed: ${String(error)}`);
        });
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.timing.streamRenewMs, () => this.counters.renew([...this.streams.keys()], this.timing.streamLeaseMs));
    every(this.timing.tidyMs, () => this.counters.tidy(OPEN_JOBS_PREFIX));
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /**
   * Takes a unit of the key's daily quota for `provider` and one of its open jobs, or throws 429 QUOTA_EXCEEDED.
   * Returns the undo for a job that was not created after all (refused insert, idempotent replay).
   */
  async takeJob(key: ApiKey, provider: ProviderName, now = new Date()): Promise<() => Promise<void>> {
    const limits = this.config.effective(key);
    const taken: string[] = [];
    const undo = async () => {
      await Promise.all(taken.map((k) => this.counters.give(k)));
    };
    if (limits.jobsPerDay !== null) {
      const day = dayKey(key.id, provider, now.toISOString().slice(0, 10));
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      const result = await this.counters.take(day, limits.jobsPerDay, midnight - now.getTime());
      if (!result.taken) {
        const retryS = Math.ceil(result.ttlMs / 1000);
        throw exceeded(
          `This API key may create ${limits.jobsPerDay} ${provider} jobs per UTC day; the quota renews in ${retryS} s`,
          `jobs-per-day-${provider}`,
          limits.jobsPerDay,
          retryS,
          86_400,
        );
      }
      taken.push(day);
    }
    if (limits.concurrentJobs !== null) {
      const open = openJobsKey(key.id);
      const result = await this.counters.take(open, limits.concurrentJobs, NO_WINDOW_MS);
      if (!result.taken) {
        await undo();
        throw exceeded(
          `This API key may have ${limits.concurrentJobs} jobs pending or processing at once`,
          'concurrent-jobs',
          limits.concurrentJobs,
          CONCURRENCY_RETRY_S,
        );
      }
      taken.push(open);
    }
    return undo;
  }

  /** A job of this key reached its final state (called once per job: only the transition returns the row). */
  async jobEnded(job: { apiKeyId: string | null }): Promise<void> {
    if (!job.apiKeyId) return;
    await this.counters.give(openJobsKey(job.apiKeyId)).catch((error: unknown) => {
      // Left high for now; `tidy` recounts it from the jobs table.
      if (!isDatabaseUnavailable(error)) this.logger.warn(`freeing an open-job slot failed: ${String(error)}`);
    });
  }

  /** Takes one of the key's stream slots, or throws 429 QUOTA_EXCEEDED; returns the release (idempotent). */
  async takeStream(key: ApiKey): Promise<() => void> {
    const limit = this.config.effective(key).concurrentStreams;
    if (limit === null) return () => undefined;
    const pool = streamsKey(key.id);
    const result = await this.counters.take(pool, limit, this.timing.streamLeaseMs, true);
    if (!result.taken) {
      throw exceeded(
        `This API key may hold ${limit} event streams open at once`,
        'concurrent-streams',
        limit,
        CONCURRENCY_RETRY_S,
      );
    }
    this.streams.set(pool, (this.streams.get(pool) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.streams.get(pool) ?? 1) - 1;
      if (left > 0) this.streams.set(pool, left);
      else this.streams.delete(pool);
      this.counters.give(pool).catch((error: unknown) => {
        // The lease runs out instead once nobody renews it.
        if (!isDatabaseUnavailable(error)) this.logger.warn(`freeing a stream slot failed: ${String(error)}`);
      });
    };
  }
}
