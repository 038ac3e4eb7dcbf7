/**
 * The persistence port at the SQL level: Postgres (pg pool) or embedded PGlite. Repositories and migrations are
 * written once against it.
 */
export abstract class SqlClient {
  abstract readonly kind: 'postgres' | 'pglite';
  abstract query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements (migrations). */
  abstract exec(sql: string): Promise<void>;
  abstract close(): Promise<void>;
}
