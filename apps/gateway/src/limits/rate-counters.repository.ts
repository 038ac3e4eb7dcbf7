import { Injectable } from '@nestjs/common';
import { SqlClient } from '../persistence/sql-client.js';

/** Counters no key can reach: what an unlimited pool is counted against (int4 holds it). */
export const UNLIMITED = 2_147_483_647;

interface CounterRow {
  hits: number;
  ttl_ms: number | string;
}

const ttlOf = (row: CounterRow) => Math.max(0, Math.ceil(Number(row.ttl_ms)));

/**
 * The counters all gateway replicas share (table rate_counters). Every change is one single-row upsert: Postgres
 * locks the row, so concurrent hits from several replicas serialise and none is lost, and a `WHERE` on the update is
 * re-checked against the newest row version (a conditional increment never overshoots its limit).
 */
@Injectable()
export class RateCountersRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Counts a hit in a fixed window of `windowMs` that starts at the window's first hit; the count keeps growing past
   * any limit (the caller compares). Returns the count and the time left in the window.
   */
  async hit(key: string, windowMs: number): Promise<{ hits: number; ttlMs: number }> {
    const [row] = await this.sql.query<CounterRow>(
      `INSERT INTO rate_counters AS c (key, hits, expires_at) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.hits + 1 END,
         expires_at = CASE WHEN c.expires_at <= now() THEN EXCLUDED.expires_at ELSE c.expires_at END,
         updated_at = now()
       RETURNING c.hits, extract(epoch FROM c.expires_at - now()) * 1000 AS ttl_ms`,
      [key, windowMs],
    );
    return { hits: Number(row.hits), ttlMs: ttlOf(row) };
  }

  /**
   * Takes one unit of a pool of `limit` if one is free: a fixed window of `ttlMs` (daily quota), or a lease that each
   * take and `renew` extends (`slide`; a pool nobody renews expires and starts empty again). Returns whether it was
   * taken and, when refused, the time until the window or lease ends.
   */
  async take(key: string, limit: number, ttlMs: number, slide = false): Promise<{ taken: boolean; ttlMs: number }> {
    const rows = await this.sql.query<CounterRow>(
      `INSERT INTO rate_counters AS c (key, hits, expires_at) VALUES ($1, 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.hits + 1 END,
         expires_at = CASE WHEN c.expires_at <= now() OR $4 THEN EXCLUDED.expires_at ELSE c.expires_at END,
         updated_at = now()
       WHERE c.expires_at <= now() OR c.hits < $2
       RETURNING c.hits, extract(epoch FROM c.expires_at - now()) * 1000 AS ttl_ms`,
      [key, limit, ttlMs, slide],
    );
    if (rows.length) return { taken: true, ttlMs: ttlOf(rows[0]) };
    const [row] = await this.sql.query<CounterRow>(
      'SELECT hits, extract(epoch FROM expires_at - now()) * 1000 AS ttl_ms FROM rate_counters WHERE key = $1',
      [key],
    );
    return { taken: false, ttlMs: row ? ttlOf(row) : 0 };
  }

  /** Gives a unit back (never below zero). */
  async give(key: string): Promise<void> {
    await this.sql.query('UPDATE rate_counters SET hits = greatest(hits - 1, 0), updated_at = now() WHERE key = $1', [
      key,
    ]);
  }

  /** Extends the leases of pools this replica still holds units of. */
  async renew(keys: string[], ttlMs: number): Promise<void> {
    if (!keys.length) return;
    await this.sql.query(
      `UPDATE rate_counters SET expires_at = now() + $2 * interval '1 millisecond' WHERE key = ANY($1::text[])`,
      [keys, ttlMs],
    );
  }

  /**
   * Heals open-job pools a crash left too high (a job ended but its unit was not given back): a pool untouched for a
   * minute is set to the key's actual pending/processing jobs. Also drops windows that ended an hour ago.
   */
  async tidy(openJobsPrefix: string): Promise<void> {
    await this.sql.query(
      `UPDATE rate_counters c SET hits = (
         SELECT count(*)::int FROM jobs j
         WHERE j.api_key_id = substr(c.key, length($1) + 1)::uuid AND j.status IN ('pending', 'processing')
       ), updated_at = now()
       WHERE c.key LIKE $1 || '%' AND c.hits > 0 AND c.updated_at < now() - interval '1 minute'`,
      [openJobsPrefix],
    );
    await this.sql.query(`DELETE FROM rate_counters WHERE expires_at < now() - interval '1 hour'`);
  }
}
