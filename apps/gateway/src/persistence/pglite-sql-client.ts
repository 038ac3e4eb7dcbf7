import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SqlClient } from './sql-client.js';

/**
 * PGlite runs synchronously inside WebAssembly: on the main thread every statement would stall HTTP handling (it
 * took ~40 % of the gateway's main thread under load). It runs in a worker thread instead, which owns the one
 * connection; statements are queued to it in order. Plain JS source (eval), so it runs from dist and under the
 * test runner alike; the PGlite module path is resolved here and passed in.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { PGlite } = require(workerData.module);
  let db;
  try {
    db = await PGlite.create(workerData.dir);
  } catch (error) {
    parentPort.postMessage({ id: 0, error: { message: String(error && error.message || error) } });
    return;
  }
  parentPort.postMessage({ id: 0 });
  parentPort.on('message', async (m) => {
    try {
      if (m.op === 'close') {
        await db.close();
        parentPort.postMessage({ id: m.id });
        return;
      }
      const result = m.op === 'exec' ? await db.exec(m.sql) : await db.query(m.sql, m.params);
      parentPort.postMessage({ id: m.id, rows: m.op === 'exec' ? undefined : result.rows });
    } catch (error) {
      parentPort.postMessage({ id: m.id, error: { message: String(error && error.message || error), code: error && error.code } });
    }
  });
})();
`;

interface Reply {
  id: number;
  rows?: unknown[];
  error?: { message: string; code?: string };
}

/** Embedded Postgres (WASM) in the gateway's data directory: one connection, so it stays in this process. */
export class PgliteSqlClient extends SqlClient {
  readonly kind = 'pglite' as const;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  private failure?: Error;

  private constructor(private readonly worker: Worker) {
    super();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve(reply.rows ?? []);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`PGlite worker exited (${code})`)));
  }

  static async open(dir: string): Promise<PgliteSqlClient> {
    mkdirSync(dir, { recursive: true });
    const module = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dir, module } });
    const client = new PgliteSqlClient(worker);
    try {
      await client.send({ op: 'ready' }, 0);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return client;
  }

  private send(message: Record<string, unknown>, id = this.nextId++): Promise<unknown[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (id !== 0) this.worker.postMessage({ ...message, id });
    });
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.send({ op: 'query', sql, params })) as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.send({ op: 'exec', sql });
  }

  async close(): Promise<void> {
    if (!this.failure) await this.send({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
