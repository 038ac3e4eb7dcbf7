import type { SqlClient } from './sql-client.js';

/** Numbered, append-only; one set for Postgres and PGlite. */
export const MIGRATIONS: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  provider text NOT NULL,
  operation text NOT NULL,
  status text NOT NULL,
  progress integer NOT NULL DEFAULT 0,
  input jsonb NOT NULL,
  result jsonb,
  error jsonb,
  idea_id uuid,
  api_key_id uuid,
  idempotency_key text,
  request_hash text,
  webhook_url text,
  deadline_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  completed_at timestamptz,
  last_seq bigint NOT NULL DEFAULT 0,
  published boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_listing ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_open ON jobs (deadline_at) WHERE status IN ('pending', 'processing');
CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL,
  event text NOT NULL,
  url text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  last_status integer,
  last_error text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, event)
);`,
  },
  {
    version: 2,
    // The sweeper looks for creates whose hand-over to JetStream was never confirmed every few seconds.
    sql: `CREATE INDEX jobs_unpublished ON jobs (created_at) WHERE published = false AND status = 'pending';`,
  },
  {
    version: 3,
    // Per-key limits (null: the configured default) and the counters every gateway replica shares: one row per
    // window or slot pool, changed only by single-row upserts (atomic across replicas).
    sql: `
ALTER TABLE api_keys ADD COLUMN requests_per_minute integer, ADD COLUMN jobs_per_day integer,
  ADD COLUMN concurrent_jobs integer, ADD COLUMN concurrent_streams integer;
CREATE TABLE rate_counters (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_open_by_key ON jobs (api_key_id) WHERE status IN ('pending', 'processing');`,
  },
  {
    version: 4,
    // The original routes take any row id (not only uuids); the product_design sync skips what it cannot address.
    sql: `ALTER TABLE jobs ALTER COLUMN idea_id TYPE text;`,
  },
  {
    version: 5,
    // A job's webhook event filter, and when its last progress delivery (webhook, /mj/* notifyHook) was recorded:
    // the throttle lives in the row so every replica honours it.
    sql: `ALTER TABLE jobs ADD COLUMN webhook_events jsonb, ADD COLUMN webhook_progress_at timestamptz,
  ADD COLUMN notify_progress_at timestamptz;`,
  },
];

/** Applies pending migrations; on Postgres under an advisory lock so concurrent gateways do not race. */
export async function migrate(sql: SqlClient): Promise<number> {
  if (sql.kind === 'postgres') await sql.query('SELECT pg_advisory_lock(72470001)');
  try {
    await sql.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await sql.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    let applied = 0;
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await sql.exec(
        `BEGIN; ${migration.sql}; INSERT INTO schema_migrations (version) VALUES (${migration.version}); COMMIT;`,
      );
      applied++;
    }
    return applied;
  } finally {
    if (sql.kind === 'postgres') await sql.query('SELECT pg_advisory_unlock(72470001)');
  }
}
