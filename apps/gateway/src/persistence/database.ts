import { Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { GatewayException } from '../errors/gateway.exception.js';
import { OutageLog } from './outage-log.js';
import { SqlClient } from './sql-client.js';

export interface OpenBackoff {
  initialMs: number;
  maxMs: number;
}

// Errors that mean "the database is not reachable", not "this statement is wrong": Node socket codes, Postgres
// class 08 (connection exception) and 57P0x (server shutting down), and pg's own wording for a dropped pool client.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
export function isUnreachable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || /^08|^57P0/.test(code))) return true;
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect/i.test(message);
}

const unavailable = () =>
  new GatewayException('SERVICE_UNAVAILABLE', 'The database is not reachable at the moment; try again shortly');

/** The database is opening or unreachable: the Database handle has logged it already. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return error instanceof GatewayException && error.code === 'SERVICE_UNAVAILABLE';
}

/**
 * The gateway's database handle, open or not yet: the process starts (and answers liveness, readiness 503) while
 * Postgres is down, and opens it in the background with backoff. Until then, and whenever the server is
 * unreachable later, statements fail with SERVICE_UNAVAILABLE (HTTP 503) instead of an internal error.
 */
export class Database extends SqlClient {
  private readonly logger = new Logger(Database.name);
  // One log line when the database becomes unreachable (at start or later) and one when it answers again; the
  // loops that use it stay quiet about SERVICE_UNAVAILABLE (isDatabaseUnavailable).
  private readonly outage = new OutageLog(this.logger, 'reaching the database');
  private readonly stop = new AbortController();
  private client?: SqlClient;
  private readonly ready: Promise<void>;

  constructor(
    readonly kind: 'postgres' | 'pglite',
    open: () => Promise<SqlClient>,
    backoff: OpenBackoff = { initialMs: 500, maxMs: 10_000 },
  ) {
    super();
    this.ready = this.openWithBackoff(open, backoff);
  }

  get isOpen(): boolean {
    return !!this.client;
  }

  /** Resolves once the database is open (never rejects; pending forever if closed first). */
  whenOpen(): Promise<void> {
    return this.ready;
  }

  private async openWithBackoff(open: () => Promise<SqlClient>, backoff: OpenBackoff): Promise<void> {
    let wait = backoff.initialMs;
    while (!this.stop.signal.aborted) {
      try {
        const client = await open();
        if (this.stop.signal.aborted) {
          await client.close();
          break;
        }
        this.client = client;
        this.outage.succeeded();
        return;
      } catch (error) {
        this.outage.failed(error);
        await delay(wait, undefined, { signal: this.stop.signal }).catch(() => undefined);
        wait = Math.min(wait * 2, backoff.maxMs);
      }
    }
    await new Promise<never>(() => undefined); // closed before it opened: whoever waits keeps waiting
  }

  private open(): SqlClient {
    if (!this.client) throw unavailable();
    return this.client;
  }

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    const client = this.open();
    try {
      const rows = await client.query<T>(sql, params);
      if (this.outage.down) this.outage.succeeded();
      return rows;
    } catch (error) {
      throw this.unreachable(error);
    }
  }

  async exec(sql: string): Promise<void> {
    const client = this.open();
    try {
      await client.exec(sql);
      if (this.outage.down) this.outage.succeeded();
    } catch (error) {
      throw this.unreachable(error);
    }
  }

  private unreachable(error: unknown): unknown {
    if (!isUnreachable(error)) return error;
    this.outage.failed(error);
    return unavailable();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.client?.close();
  }
}
