import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { SqlClient } from './sql-client.js';

/** Embedded Postgres (WASM) in the gateway's data directory: one connection, so it stays in this process. */
export class PgliteSqlClient extends SqlClient {
  readonly kind = 'pglite' as const;
  private constructor(private readonly db: PGlite) {
    super();
  }

  static async open(dir: string): Promise<PgliteSqlClient> {
    mkdirSync(dir, { recursive: true });
    const db = await PGlite.create(dir);
    return new PgliteSqlClient(db);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
