import { join, resolve } from 'node:path';
import type { GatewayConfig } from '../config/gateway.config.js';
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
  await migrate(sql);
  return sql;
}
