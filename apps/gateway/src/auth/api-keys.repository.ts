import { Injectable } from '@nestjs/common';
import { SqlClient } from '../persistence/sql-client.js';
import { PREFIX_MAX, type ApiKey } from './api-key.js';

interface Row {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const toKey = (r: Row): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix.slice(0, PREFIX_MAX),
  scopes: r.scopes,
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
  createdAt: iso(r.created_at)!,
});

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly sql: SqlClient) {}

  async insert(key: {
    id: string;
    name: string;
    prefix: string;
    hash: string;
    scopes: string[];
    expiresAt: string | null;
  }): Promise<ApiKey> {
    const rows = await this.sql.query<Row>(
      'INSERT INTO api_keys (id, name, prefix, hash, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [key.id, key.name, key.prefix, key.hash, key.scopes, key.expiresAt],
    );
    return toKey(rows[0]);
  }

  async findByHash(hash: string): Promise<ApiKey | null> {
    const rows = await this.sql.query<Row>('SELECT * FROM api_keys WHERE hash = $1', [hash]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  async list(): Promise<ApiKey[]> {
    return (await this.sql.query<Row>('SELECT * FROM api_keys ORDER BY created_at DESC')).map(toKey);
  }

  /** Un-revokes a key, drops its expiry and sets its scopes (the bootstrap key's promise). */
  async restore(id: string, scopes: string[]): Promise<ApiKey | null> {
    const rows = await this.sql.query<Row>(
      'UPDATE api_keys SET revoked_at = NULL, expires_at = NULL, scopes = $2 WHERE id = $1 RETURNING *',
      [id, scopes],
    );
    return rows[0] ? toKey(rows[0]) : null;
  }

  async revoke(id: string): Promise<ApiKey | null> {
    const rows = await this.sql.query<Row>(
      'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *',
      [id],
    );
    return rows[0] ? toKey(rows[0]) : null;
  }
}
