import { describe, expect, it } from 'vitest';
import type { AccountEntry } from '@app/contracts';
import type { NatsService } from '@app/messaging';
import { strictMock } from '../../../../test/strict-mock.js';
import { NO_KEY_LIMITS, type ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SqlClient } from '../persistence/sql-client.js';
import { AccountsService } from './accounts.service.js';

const entry = (provider: string, account: string, state: string) => ({ provider, account, state }) as AccountEntry;
const key = (scopes: string[]): ApiKey => ({
  id: 'k',
  name: 'k',
  prefix: 'gw_',
  scopes,
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-12-07T00:00:00Z',
  limits: NO_KEY_LIMITS,
});

/** The registry bucket as the KV client shows it: keys (optionally filtered by `<provider>.>`) and entries. */
function setup(entries: AccountEntry[]) {
  const byKey = new Map(entries.map((e) => [`${e.provider}.${e.account}`, e]));
  const bucket = {
    keys: (filter?: string) =>
      Promise.resolve(
        (async function* () {
          for (const k of byKey.keys()) if (!filter || k.startsWith(filter.replace('>', ''))) yield k;
        })(),
      ),
    get: (k: string) => {
      const e = byKey.get(k);
      return Promise.resolve(e ? { operation: 'PUT', length: 1, json: () => e } : null);
    },
  };
  const nats = strictMock<NatsService>('nats', { bucket: () => Promise.resolve(bucket as never) });
  const sql = strictMock<SqlClient>('sql', { query: () => Promise.resolve([]) });
  const metrics = new MetricsService(sql);
  return { service: new AccountsService(nats, metrics), metrics };
}

describe(AccountsService.name, () => {
  const pool = [
    entry('midjourney', 'a', 'ready'),
    entry('midjourney', 'b', 'signed_out'),
    entry('ideogram', 'c', 'ready'),
  ];

  it('names the account a pending job will run on: the pinned one, else the only open account of the pool', async () => {
    const { service } = setup(pool);
    expect((await service.accountFor('midjourney', 'b'))?.account).toBe('b');
    expect(await service.accountFor('midjourney', 'gone')).toBeUndefined();
    expect(await service.accountFor('midjourney')).toBeUndefined(); // a and b could both take it
    expect((await service.accountFor('ideogram'))?.account).toBe('c');
    const single = setup([entry('midjourney', 'a', 'ready'), { ...entry('midjourney', 'b', 'ready'), disabled: true }]);
    expect((await single.service.accountFor('midjourney'))?.account).toBe('a');
    const alone = setup([{ ...entry('midjourney', 'a', 'disabled'), disabled: true }]);
    expect((await alone.service.accountFor('midjourney'))?.account).toBe('a'); // why the job waits
  });

  it('lists the accounts a key may see, sorted, and refuses an unknown provider', async () => {
    const { service } = setup(pool);
    expect((await service.list(key(['*']))).map((e) => `${e.provider}.${e.account}`)).toEqual([
      'ideogram.c',
      'midjourney.a',
      'midjourney.b',
    ]);
    expect((await service.list(key(['ideogram']))).map((e) => e.account)).toEqual(['c']);
    await expect(service.list(key(['*']), 'nope')).rejects.toBeInstanceOf(GatewayException);
  });

  it('counts the pool by provider and state on the metrics scrape', async () => {
    const { metrics } = setup(pool);
    const text = await metrics.registry.getSingleMetricAsString('gateway_provider_accounts');
    expect(text).toContain('gateway_provider_accounts{provider="midjourney",state="ready"} 1');
    expect(text).toContain('gateway_provider_accounts{provider="midjourney",state="signed_out"} 1');
    expect(text).toContain('gateway_provider_accounts{provider="ideogram",state="ready"} 1');
  });
});
