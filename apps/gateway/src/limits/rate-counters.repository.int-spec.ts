import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/integration/postgres.js';
import { openDatabase } from '../persistence/open-database.js';
import type { SqlClient } from '../persistence/sql-client.js';
import { RateCountersRepository } from './rate-counters.repository.js';

// The shared counters on both engines; on Postgres through two pools, as two gateway replicas would hold.
describe.each(['postgres', 'pglite'] as const)('RateCountersRepository on %s', (engine) => {
  let sql: SqlClient;
  let other: SqlClient;
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  let one: RateCountersRepository;
  let two: RateCountersRepository;

  beforeAll(async () => {
    if (engine === 'postgres') {
      db = await createTestDatabase('gw_counters');
      sql = await openDatabase({ DATABASE_URL: db.url, DATA_DIR: '' });
      other = await openDatabase({ DATABASE_URL: db.url, DATA_DIR: '' });
    } else {
      dir = await mkdtemp(join(tmpdir(), 'gw-counters-'));
      sql = other = await openDatabase({ DATABASE_URL: undefined, DATA_DIR: dir });
    }
    one = new RateCountersRepository(sql);
    two = new RateCountersRepository(other);
  });

  afterAll(async () => {
    await sql?.close();
    if (other !== sql) await other?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses no hit under concurrency: 40 hits from two clients count 1..40 in one window', async () => {
    const key = `rpm:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).hit(key, 60_000)));
    expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const r of results) expect(r.ttlMs).toBeGreaterThan(50_000);
  });

  it('never takes more units than the limit under concurrency, and a given-back unit is free again', async () => {
    const key = `open-jobs:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).take(key, 5, 60_000)));
    expect(results.filter((r) => r.taken)).toHaveLength(5);
    const refused = results.find((r) => !r.taken)!;
    expect(refused.ttlMs).toBeGreaterThan(50_000);
    await one.give(key);
    expect((await two.take(key, 5, 60_000)).taken).toBe(true);
    expect((await two.take(key, 5, 60_000)).taken).toBe(false);
  });

  it('starts a new window once the last one ended', async () => {
    const key = `jobs-day:${randomUUID()}`;
    expect((await one.take(key, 1, 0)).taken).toBe(true); // a window that is over at once
    expect((await one.take(key, 1, 60_000)).taken).toBe(true);
    expect((await one.take(key, 1, 60_000)).taken).toBe(false);
    expect((await one.hit(`rpm:${key}`, 0)).hits).toBe(1);
    expect((await one.hit(`rpm:${key}`, 60_000)).hits).toBe(1);
  });

  it('recounts an idle open-jobs pool from the jobs table', async () => {
    const keyId = randomUUID();
    const key = `open-jobs:${keyId}`;
    await one.take(key, 5, 60_000);
    await one.take(key, 5, 60_000);
    await sql.query(`UPDATE rate_counters SET updated_at = now() - interval '2 minutes' WHERE key = $1`, [key]);
    await one.tidy('open-jobs:');
    const [row] = await sql.query<{ hits: number }>('SELECT hits FROM rate_counters WHERE key = $1', [key]);
    expect(Number(row.hits)).toBe(0); // no job of the key is open: the two units were leaked
  });
});
