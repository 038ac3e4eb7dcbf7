import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { strictMock } from '../../../../test/strict-mock.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { Database, isUnreachable } from './database.js';
import type { SqlClient } from './sql-client.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe(Database.name, () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('answers SERVICE_UNAVAILABLE until it opens, retries the open with backoff, then serves', async () => {
    const client = strictMock<SqlClient>('SqlClient', { query: <T>() => Promise.resolve([{ one: 1 }] as T[]) });
    let attempts = 0;
    const open = vi.fn(() => (++attempts < 4 ? Promise.reject(refused()) : Promise.resolve(client)));
    const sut = new Database('postgres', open, { initialMs: 1, maxMs: 2 });
    const early = await sut.query('SELECT 1').catch((e: unknown) => e);
    expect(early).toBeInstanceOf(GatewayException);
    expect((early as GatewayException).code).toBe('SERVICE_UNAVAILABLE');
    await sut.whenOpen();
    expect(open).toHaveBeenCalledTimes(4);
    expect(warn).toHaveBeenCalledTimes(1); // the outage, once
    expect(await sut.query('SELECT 1')).toEqual([{ one: 1 }]);
  });

  it('turns a connection lost later into SERVICE_UNAVAILABLE and passes other errors through', async () => {
    let error: Error = refused();
    const client = strictMock<SqlClient>('SqlClient', { query: () => Promise.reject(error) });
    const sut = new Database('postgres', () => Promise.resolve(client));
    await sut.whenOpen();
    await expect(sut.query('SELECT 1')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    error = Object.assign(new Error('syntax error'), { code: '42601' });
    await expect(sut.query('SELEC 1')).rejects.toBe(error);
  });

  it('stops trying when closed before it opened', async () => {
    const open = vi.fn(() => Promise.reject(refused()));
    const sut = new Database('postgres', open, { initialMs: 60_000, maxMs: 60_000 });
    await sut.close(); // interrupts the backoff wait
    expect(open).toHaveBeenCalledTimes(1);
    expect(sut.isOpen).toBe(false);
  });

  it.each([
    [refused(), true],
    [Object.assign(new Error('terminating connection'), { code: '57P01' }), true],
    [Object.assign(new Error('could not connect'), { code: '08006' }), true],
    [new Error('Connection terminated unexpectedly'), true],
    [Object.assign(new Error('duplicate key'), { code: '23505' }), false],
    ['not an error', false],
  ])('tells an unreachable server (%s) from a failing statement', (error, expected) => {
    expect(isUnreachable(error)).toBe(expected);
  });
});
