import { join, resolve } from 'node:path';
import type { GatewayConfig } from '../config/gateway.config.js';
import { Database } from './database.js';
import { migrate } from './migrations.js';
import { PgliteSqlClient } from './pglite-sql-client.js';
import { PostgresSqlClient } from './postgres-sql-client.js';
import type { SqlClient } from './sql-client.js';

export function pgliteDir(config: Pick<GatewayConfig, 'DATA_DIR'>): string {
  return resolve(join(config.DATA_DIR, 'pglite'));
}

/** DATABASE_URL → Postgres; unset → PGlite under DATA_DIR. Migrations run before anything else uses it. */
export async function openDatabase(config: Pick<GatewayConfig, 'DATABASE_URL' | 'DATA_DIR'>): Promise<SqlClient> {
  const sql: SqlClient = config.DATABASE_URL
    ? new PostgresSqlClient(config.DATABASE_URL)
    : await PgliteSqlClient.open(pgliteDir(config));
  try {
    await migrate(sql);
  } catch (error) {
    await sql.close().catch(() => undefined); // a retry opens a fresh pool; this one must not linger
    throw error;
  }
  return sql;
}

/**
 * The gateway's handle: returned at once, opened (migrated, then `afterOpen`) in the background until it works.
 * `afterOpen` runs before the handle counts as open, so what it sets up is there for the first request.
 */
export function startDatabase(
  config: Pick<GatewayConfig, 'DATABASE_URL' | 'DATA_DIR'>,
  afterOpen: (sql: SqlClient) => Promise<void> = () => Promise.resolve(),
): Database {
  return new Database(config.DATABASE_URL ? 'postgres' : 'pglite', async () => {
    const sql = await openDatabase(config);
    try {
      await afterOpen(sql);
    } catch (error) {
      await sql.close().catch(() => undefined);
      throw error;
    }
    return sql;
  });
}
