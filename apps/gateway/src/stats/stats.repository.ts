import { Injectable } from '@nestjs/common';
import { SqlClient } from '../persistence/sql-client.js';

export interface StatsFilter {
  providers: string[] | null;
  hours: number;
}

/** Aggregates over the jobs table for the console's overview (jobs created within the window). */
@Injectable()
export class StatsRepository {
  constructor(private readonly sql: SqlClient) {}

  private window(filter: StatsFilter, extra = ''): { where: string; params: unknown[] } {
    const params: unknown[] = [filter.hours];
    let where = `created_at >= now() - make_interval(hours => $1::int)`;
    if (filter.providers) {
      params.push(filter.providers);
      where += ` AND provider = ANY($2::text[])`;
    }
    return { where: extra ? `${where} AND ${extra}` : where, params };
  }

  byStatus(filter: StatsFilter) {
    const { where, params } = this.window(filter);
    return this.sql.query<{ provider: string; status: string; count: string | number }>(
      `SELECT provider, status, count(*) AS count FROM jobs WHERE ${where} GROUP BY provider, status ORDER BY provider, status`,
      params,
    );
  }

  hourly(filter: StatsFilter) {
    const { where, params } = this.window(filter);
    return this.sql.query<{ hour: Date | string; provider: string; status: string; count: string | number }>(
      `SELECT date_trunc('hour', created_at) AS hour, provider, status, count(*) AS count FROM jobs WHERE ${where}
       GROUP BY 1, 2, 3 ORDER BY 1`,
      params,
    );
  }

  /** Seconds from creation to completion of completed jobs, per provider and (provider null) over all. */
  durations(filter: StatsFilter) {
    const { where, params } = this.window(filter, `status = 'completed' AND completed_at IS NOT NULL`);
    const seconds = 'extract(epoch from (completed_at - created_at))';
    return this.sql.query<{ provider: string | null; count: string | number; p50: number | null; p95: number | null }>(
      `SELECT provider, count(*) AS count,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY ${seconds}) AS p95
       FROM jobs WHERE ${where} GROUP BY GROUPING SETS ((provider), ()) ORDER BY provider NULLS FIRST`,
      params,
    );
  }

  failures(filter: StatsFilter) {
    const { where, params } = this.window(filter, `status IN ('failed', 'timeout')`);
    return this.sql.query<{ provider: string; code: string | null; count: string | number }>(
      `SELECT provider, error->>'code' AS code, count(*) AS count FROM jobs WHERE ${where}
       GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT 50`,
      params,
    );
  }
}
