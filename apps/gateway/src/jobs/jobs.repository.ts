import { Injectable } from '@nestjs/common';
import type { ErrorBody, Job, JobEvent, JobResult, JobStatus, ProviderName } from '@app/contracts';
import { findUnsafeValue } from '../errors/input-guard.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { Batcher } from '../persistence/batcher.js';
import { SqlClient } from '../persistence/sql-client.js';

interface Row {
  id: string;
  provider: ProviderName;
  operation: string;
  status: JobStatus;
  progress: number;
  input: Record<string, unknown>;
  result: JobResult | null;
  error: ErrorBody | null;
  idea_id: string | null;
  api_key_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  webhook_url: string | null;
  webhook_events: string[] | null;
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  last_seq: string | number;
}

export type StoredJob = Job & { requestHash: string | null; lastSeq: number };

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
function toJob(r: Row): StoredJob {
  return {
    id: r.id,
    provider: r.provider,
    operation: r.operation,
    status: r.status,
    progress: r.progress,
    input: r.input,
    result: r.result,
    error: r.error,
    ideaId: r.idea_id,
    apiKeyId: r.api_key_id,
    idempotencyKey: r.idempotency_key,
    webhookUrl: r.webhook_url,
    webhookEvents: r.webhook_events ?? null,
    deadlineAt: iso(r.deadline_at)!,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    requestHash: r.request_hash,
    lastSeq: Number(r.last_seq),
  };
}

const OPEN = `('pending','processing')`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Specific queries for jobs; the status guard (never backwards, terminal final) lives in the SQL. */
@Injectable()
export class JobsRepository {
  constructor(private readonly sql: SqlClient) {}

  // Concurrent creates and publish confirmations go to the database as one statement per flush.
  private readonly inserts = new Batcher<StoredJob, { job: StoredJob; created: boolean }>((jobs) =>
    this.insertMany(jobs),
  );
  private readonly confirmations = new Batcher<string, void>(
    async (ids) => {
      await this.sql.query('UPDATE jobs SET published = true WHERE id = ANY($1::uuid[])', [ids]);
      return ids.map(() => undefined);
    },
    1000,
    100,
  );

  /**
   * Inserts unless (api key, idempotency key) exists; returns the stored job and whether it is new. New rows start
   * unpublished: until `confirmPublished`, the sweeper treats them as not yet handed to the workers.
   */
  async insert(job: StoredJob): Promise<{ job: StoredJob; created: boolean }> {
    // Checked before the row joins a batch: a value Postgres refuses would fail the whole statement.
    const problem = findUnsafeValue({
      input: job.input,
      idempotency_key: job.idempotencyKey,
      webhook_url: job.webhookUrl,
      idea_id: job.ideaId,
    });
    if (problem) throw new GatewayException('INVALID_REQUEST', `${problem.field}: ${problem.problems[0]}`, [problem]);
    try {
      return await this.inserts.add(job);
    } catch (error) {
      // Retried alone (see Batcher) and still refused: a value of this request the checks above did not foresee.
      const sqlstate = (error as { code?: unknown }).code;
      if (typeof sqlstate === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(sqlstate)) {
        throw new GatewayException('INVALID_REQUEST', 'The request holds a value that cannot be stored', { sqlstate });
      }
      throw error;
    }
  }

  private async insertMany(jobs: StoredJob[]): Promise<Array<{ job: StoredJob; created: boolean }>> {
    const params: unknown[] = [];
    const values = jobs.map((job) => {
      const at = params.length;
      params.push(
        job.id,
        job.provider,
        job.operation,
        job.status,
        JSON.stringify(job.input),
        job.ideaId,
        job.apiKeyId,
        job.idempotencyKey,
        job.requestHash,
        job.webhookUrl,
        job.deadlineAt,
        job.createdAt,
        job.webhookEvents ? JSON.stringify(job.webhookEvents) : null,
      );
      const $ = (n: number) => `$${at + n}`;
      return `(${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, 0, ${$(5)}::jsonb, ${$(6)}, ${$(7)}::uuid, ${$(8)}, ${$(9)}, ${$(10)}, ${$(13)}::jsonb, ${$(11)}::timestamptz, ${$(12)}::timestamptz, ${$(12)}::timestamptz, false)`;
    });
    // A conflicting row (idempotency key reused, also twice within this batch) is skipped and looked up below.
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO jobs (id, provider, operation, status, progress, input, idea_id, api_key_id, idempotency_key, request_hash, webhook_url, webhook_events, deadline_at, created_at, updated_at, published)
       VALUES ${values.join(', ')}
       ON CONFLICT (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      params,
    );
    // Only ids come back: the rows are what we sent (fewer bytes to decode on the hot path).
    const inserted = new Set(rows.map((r) => r.id));
    return Promise.all(
      jobs.map(async (job) => {
        if (inserted.has(job.id)) {
          return {
            job: {
              ...job,
              webhookEvents: job.webhookEvents ?? null,
              progress: 0,
              result: null,
              error: null,
              startedAt: null,
              completedAt: null,
              lastSeq: 0,
            },
            created: true,
          };
        }
        const existing = await this.sql.query<Row>(
          'SELECT * FROM jobs WHERE api_key_id = $1 AND idempotency_key = $2',
          [job.apiKeyId, job.idempotencyKey],
        );
        return { job: toJob(existing[0]), created: false };
      }),
    );
  }

  /** JetStream acknowledged the job's message. */
  confirmPublished(id: string): Promise<void> {
    return this.confirmations.add(id);
  }

  async findById(id: string): Promise<StoredJob | null> {
    if (!UUID.test(id)) return null; // not an id this gateway made; as a uuid parameter it would be a SQL error
    const rows = await this.sql.query<Row>('SELECT * FROM jobs WHERE id = $1', [id]);
    return rows[0] ? toJob(rows[0]) : null;
  }

  /**
   * A pending job's place in its queue: 1 + the pending jobs of its provider created before it that compete for
   * the same workers (shared jobs, and jobs pinned to the same account when it is pinned).
   */
  async queuePosition(job: Pick<StoredJob, 'provider' | 'createdAt' | 'input'>): Promise<number> {
    const account = typeof job.input.account === 'string' ? job.input.account : null;
    const rows = await this.sql.query<{ ahead: string | number }>(
      `SELECT count(*) AS ahead FROM jobs WHERE status = 'pending' AND provider = $1 AND created_at < $2
         AND (input->>'account' IS NULL OR input->>'account' = $3)`,
      [job.provider, job.createdAt, account],
    );
    return Number(rows[0]?.ahead ?? 0) + 1;
  }

  /** Keyset paging, newest first. */
  async list(filter: {
    providers: string[] | null;
    provider?: string;
    status?: string;
    account?: string;
    text?: string;
    limit: number;
    before?: { createdAt: string; id: string };
  }): Promise<StoredJob[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.providers) add('provider = ANY(?)', filter.providers);
    if (filter.provider) add('provider = ?', filter.provider);
    if (filter.status) add('status = ?', filter.status);
    if (filter.account) add(`result->>'account' = ?`, filter.account);
    if (filter.text) add('strpos(lower(id::text || input::text), lower(?)) > 0', filter.text);
    if (filter.before) {
      params.push(filter.before.createdAt, filter.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(filter.limit);
    const rows = await this.sql.query<Row>(
      `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toJob);
  }

  /** Applies a worker event if it moves the job forward; null when stale (older seq, or job already final). */
  async applyEvent(event: JobEvent): Promise<StoredJob | null> {
    const terminal = ['completed', 'failed', 'timeout', 'canceled'].includes(event.status);
    const rows = await this.sql.query<Row>(
      `UPDATE jobs SET
         status = $2,
         progress = GREATEST(progress, $3),
         result = COALESCE($4::jsonb, result),
         error = $5::jsonb,
         last_seq = $6,
         updated_at = now(),
         started_at = COALESCE(started_at, now()),
         completed_at = CASE WHEN $7 THEN LEAST(now(), GREATEST(created_at, $8::timestamptz)) ELSE completed_at END
       WHERE id = $1 AND status IN ${OPEN} AND last_seq < $6
       RETURNING *`,
      [
        event.jobId,
        event.status,
        event.progress ?? 0,
        event.result ? JSON.stringify(event.result) : null,
        event.error ? JSON.stringify(event.error) : null,
        event.seq,
        terminal,
        // When the job ended is when the worker saw it end, even if the gateway applies the event later (it was
        // down, or NATS was): bounded by the job's creation and the present against a skewed clock.
        event.at,
      ],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Ends an open job from the gateway side (cancel, deadline). */
  async finishOpen(id: string, status: 'canceled' | 'timeout', error: ErrorBody): Promise<StoredJob | null> {
    const rows = await this.sql.query<Row>(
      `UPDATE jobs SET status = $2, error = $3::jsonb, updated_at = now(), completed_at = now() WHERE id = $1 AND status IN ${OPEN} RETURNING *`,
      [id, status, JSON.stringify(error)],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /**
   * Ends every open job more than `graceMs` past its deadline in one statement: `pending` (never submitted)
   * becomes `timeout` with `QUEUE_TIMEOUT`, `processing` becomes `timeout` with `PROVIDER_TIMEOUT`. SKIP LOCKED lets
   * several gateway replicas sweep at once without waiting on each other; the outer status guard keeps a job that
   * ended meanwhile untouched.
   */
  async expireOverdue(graceMs: number, limit = 500): Promise<StoredJob[]> {
    const queued: ErrorBody = { code: 'QUEUE_TIMEOUT', message: 'No account had room before the deadline' };
    const running: ErrorBody = { code: 'PROVIDER_TIMEOUT', message: 'No result before the deadline' };
    const rows = await this.sql.query<Row>(
      `UPDATE jobs SET status = 'timeout',
         error = CASE WHEN status = 'pending' THEN $3::jsonb ELSE $4::jsonb END,
         updated_at = now(), completed_at = now()
       WHERE id IN (
         SELECT id FROM jobs WHERE status IN ${OPEN} AND deadline_at < now() - $1::int * interval '1 millisecond'
         ORDER BY deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ) AND status IN ${OPEN}
       RETURNING *`,
      [graceMs, limit, JSON.stringify(queued), JSON.stringify(running)],
    );
    return rows.map(toJob);
  }

  /** Pending jobs whose publish was never confirmed (failed, or the gateway stopped in between), oldest first. */
  async findUnpublished(olderThanSeconds: number, limit = 100): Promise<StoredJob[]> {
    const rows = await this.sql.query<Row>(
      `SELECT * FROM jobs WHERE published = false AND status = 'pending' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map(toJob);
  }
}
