import { Injectable } from '@nestjs/common';
import type { ApiKey } from '../auth/api-key.js';
import { StatsRepository } from './stats.repository.js';

const round = (n: number | string | null) => (n === null ? null : Math.round(Number(n) * 10) / 10);

/** The console's overview, from the jobs table (not from /metrics): what the key may see, over the last hours. */
@Injectable()
export class StatsService {
  constructor(private readonly stats: StatsRepository) {}

  async overview(key: ApiKey, hours: number) {
    const filter = { providers: key.scopes.includes('*') ? null : key.scopes, hours };
    const [byStatus, hourly, durations, failures] = await Promise.all([
      this.stats.byStatus(filter),
      this.stats.hourly(filter),
      this.stats.durations(filter),
      this.stats.failures(filter),
    ]);
    return {
      hours,
      since: new Date(Date.now() - hours * 3_600_000).toISOString(),
      jobs: byStatus.map((r) => ({ provider: r.provider, status: r.status, count: Number(r.count) })),
      hourly: hourly.map((r) => ({
        hour: new Date(r.hour).toISOString(),
        provider: r.provider,
        status: r.status,
        count: Number(r.count),
      })),
      completion_seconds: durations.map((r) => ({
        provider: r.provider,
        completed: Number(r.count),
        median: round(r.p50),
        p95: round(r.p95),
      })),
      failures: failures.map((r) => ({ provider: r.provider, code: r.code ?? 'UNKNOWN', count: Number(r.count) })),
    };
  }
}
