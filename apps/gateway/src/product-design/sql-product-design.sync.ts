import type { Job } from '@app/contracts';
import type { SqlClient } from '../persistence/sql-client.js';
import { ProductDesignSync, mergeUrls, toProductDesignUpdate } from './product-design.sync.js';

/** Same Postgres as the jobs (Supabase's database included) when it holds the product_design table. */
export class SqlProductDesignSync extends ProductDesignSync {
  readonly mode = 'sql' as const;

  constructor(private readonly sql: SqlClient) {
    super();
  }

  static async available(sql: SqlClient): Promise<boolean> {
    const rows = await sql.query<{ found: boolean }>(
      "SELECT to_regclass('public.product_design') IS NOT NULL AS found",
    );
    return !!rows[0]?.found;
  }

  async sync(job: Job): Promise<void> {
    if (!job.ideaId) return;
    const u = toProductDesignUpdate(job);
    const column = u.urls?.column ?? 'generated_designs_url';
    let urls = u.urls?.value ?? null;
    if (u.urls?.merge) {
      // Events for one job are applied one at a time (the gateway is the single writer), so read-merge-write is safe.
      const rows = await this.sql.query<Record<string, unknown>>(
        `SELECT ${column} AS urls FROM product_design WHERE id = $1`,
        [job.ideaId],
      );
      if (rows.length === 0) return;
      urls = JSON.stringify(mergeUrls(rows[0].urls, u.urls.list));
    }
    await this.sql.query(
      `UPDATE product_design SET job_status = $2, job_id = $3, job_created_at = COALESCE(job_created_at, $4::timestamptz),
         job_updated_at = $5::timestamptz, error_message = $6,
         ${column} = CASE WHEN $7::text IS NULL THEN ${column} ELSE to_jsonb($7::text) END
       WHERE id = $1`,
      [job.ideaId, u.job_status, u.job_id, u.job_created_at, u.job_updated_at, u.error_message, urls],
    );
  }
}
