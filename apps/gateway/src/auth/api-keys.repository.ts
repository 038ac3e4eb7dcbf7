import { Injectable } from '@nestjs/common';
import { SqlClient } from '../persistence/sql-client.js';
import { PREFIX_MAX, type ApiKey, type KeyLimits } from './api-key.js';

interface Row {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  requests_per_minute: number | null;
  jobs_per_day: number | null;
  concurrent_jobs: number | null;
  concurrent_streams: number | null;
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
  limits: {
    requestsPerMinute: r.requests_per_minute ?? null,
    jobsPerDay: r.jobs_per_day ?? null,
    concurrentJobs: r.concurrent_jobs ?? null,
    concurrentStreams: r.concurrent_streams ?? null,
  },
});
const limitParams = (l: KeyLimits) => [l.requestsPerMinute, l.jobsPerDay, l.concurrentJobs, l.concurrentStreams];

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
    limits: KeyLimits;
  }): Promise<ApiKey> {
    const rows = await this.sql.query<Row>(
      `INSERT INTO api_keys (id, name, prefix, hash, scopes, expires_at, requests_per_minute, jobs_per_day, concurrent_jobs, concurrent_streams)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [key.id, key.name, key.prefix, key.hash, key.scopes, key.expiresAt, ...limitParams(key.limits)],
    );
    return toKey(rows[0]);
  }

  async findByHash(hash: string): Promise<ApiKey | null> {
    const rows = await this.sql.query<Row>('SELECT * FROM api_keys WHERE hash = $1', [hash]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  async findById(id: string): Promise<ApiKey | null> {
    const rows = await this.sql.query<Row>('SELECT * FROM api_keys WHERE id = $1', [id]);
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

  /** Replaces the key's limits (null: the configured default). */
  async setLimits(id: string, limits: KeyLimits): Promise<ApiKey | null> {
    const rows = await this.sql.query<Row>(
      `UPDATE api_keys SET requests_per_minute = $2, jobs_per_day = $3, concurrent_jobs = $4, concurrent_streams = $5
       WHERE id = $1 RETURNING *`,
      [id, ...limitParams(limits)],
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
