import { Injectable } from '@nestjs/common';
import { SqlClient } from '../persistence/sql-client.js';

export interface DeliveryRow {
  id: string;
  job_id: string;
  provider: string | null;
  event: string;
  url: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = `d.id::text AS id, d.job_id, j.provider, d.event, d.url, d.status, d.attempts, d.last_status, d.last_error,
  d.next_attempt_at, d.created_at, d.updated_at`;

/** Reads of the webhook_deliveries table for the console; `providers` null means every job's deliveries. */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly sql: SqlClient) {}

  list(filter: { providers: string[] | null; status?: string; jobId?: string; limit: number; beforeId?: string }) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.providers) add('j.provider = ANY(?)', filter.providers);
    if (filter.status) add('d.status = ?', filter.status);
    if (filter.jobId) add('d.job_id = ?::uuid', filter.jobId);
    if (filter.beforeId) add('d.id < ?::bigint', filter.beforeId);
    params.push(filter.limit);
    return this.sql.query<DeliveryRow>(
      `SELECT ${COLUMNS} FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Makes a delivery due now; its attempts are kept, so a delivery past its retries gets exactly one more. */
  async retry(id: string, providers: string[] | null): Promise<DeliveryRow | null> {
    const rows = await this.sql.query<{ id: string }>(
      `UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), updated_at = now()
       WHERE d.id = $1::bigint AND ($2::text[] IS NULL OR EXISTS (
         SELECT 1 FROM jobs j WHERE j.id = d.job_id AND j.provider = ANY($2::text[])))
       RETURNING d.id::text AS id`,
      [id, providers],
    );
    if (!rows[0]) return null;
    const found = await this.sql.query<DeliveryRow>(
      `SELECT ${COLUMNS} FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id WHERE d.id = $1::bigint`,
      [id],
    );
    return found[0] ?? null;
  }
}
