import { Injectable } from '@nestjs/common';
import {
  ACCOUNT_ENTRY_TTL_MS,
  ACCOUNT_NAME,
  Buckets,
  Subjects,
  accountKey,
  isProvider,
  PROVIDERS,
  type AccountControl,
  type AccountEntry,
  type ProviderName,
} from '@app/contracts';
import { NatsService } from '@app/messaging';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ApiKey } from '../auth/api-key.js';
import { keyAllows } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { toGatewayError } from '../workers/worker-rpc.js';

/** Longest an operator's re-check may take (the worker re-opens the site and checks the session). */
const CHECK_TIMEOUT_MS = 120_000;
const POOL_CACHE_MS = 2_000;

/**
 * The pool of provider accounts, read from the registry every worker writes (KV `accounts`), and the operator's
 * levers: re-check one account now, take one out of rotation and back (KV `account_controls`, applied by the
 * account's worker within a few seconds and kept across its restarts).
 */
@Injectable()
export class AccountsService {
  private readonly pools = new Map<ProviderName, { at: number; entries: AccountEntry[] }>();

  constructor(
    private readonly nats: NatsService,
    metrics: MetricsService,
  ) {
    // The pool on the scrape: accounts per provider and state (an alert rule on signed_out/challenge needs no webhook).
    const pool = (provider: ProviderName) => this.pool(provider);
    new Gauge({
      name: 'gateway_provider_accounts',
      help: 'Provider accounts in the registry, by provider and state (disabled ones as disabled)',
      labelNames: ['provider', 'state'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const provider of PROVIDERS) {
          for (const entry of await pool(provider)) this.inc({ provider, state: entry.state });
        }
      },
    });
  }

  async list(key: ApiKey, provider?: string): Promise<AccountEntry[]> {
    if (provider !== undefined && !isProvider(provider)) {
      throw new GatewayException('INVALID_REQUEST', `provider: unknown provider '${provider}'`);
    }
    const entries: AccountEntry[] = [];
    try {
      const bucket = await this.nats.bucket(Buckets.accounts, ACCOUNT_ENTRY_TTL_MS);
      for await (const name of await bucket.keys()) {
        const found = await bucket.get(name);
        if (!found || found.operation !== 'PUT' || found.length === 0) continue;
        const entry = found.json<AccountEntry>();
        if (provider && entry.provider !== provider) continue;
        if (keyAllows(key, entry.provider)) entries.push(entry);
      }
    } catch (error) {
      throw unavailable(error);
    }
    return entries.sort((a, b) => a.provider.localeCompare(b.provider) || a.account.localeCompare(b.account));
  }

  /**
   * The account a pending job will run on, as the pool shows it (its plan: the account's own mode, fast hours
   * left): the one it is pinned to, else the only open account of the pool; undefined when several could take it.
   * Read
   * through a 2 s cache, since clients poll pending jobs.
   */
  async accountFor(provider: ProviderName, pinned?: string): Promise<AccountEntry | undefined> {
    let cached = this.pools.get(provider);
    if (!cached || Date.now() - cached.at > POOL_CACHE_MS) {
      cached = { at: Date.now(), entries: await this.pool(provider) };
      this.pools.set(provider, cached);
    }
    if (pinned) return cached.entries.find((e) => e.account === pinned);
    // A pool of one shows its only account even when disabled: that is why the job waits.
    const open = cached.entries.filter((e) => !e.disabled);
    if (open.length === 1) return open[0];
    return open.length === 0 && cached.entries.length === 1 ? cached.entries[0] : undefined;
  }

  /** Every account of a provider, unscoped (the original status routes); [] when the registry cannot be read. */
  async pool(provider: ProviderName): Promise<AccountEntry[]> {
    try {
      const bucket = await this.nats.bucket(Buckets.accounts, ACCOUNT_ENTRY_TTL_MS);
      const entries: AccountEntry[] = [];
      for await (const name of await bucket.keys(`${provider}.>`)) {
        const found = await bucket.get(name);
        if (found && found.operation === 'PUT' && found.length > 0) entries.push(found.json<AccountEntry>());
      }
      return entries;
    } catch {
      return [];
    }
  }

  async check(provider: string, account: string): Promise<AccountEntry> {
    const [p, a] = this.address(provider, account);
    try {
      const nc = await this.nats.connection();
      const reply = await nc.request(Subjects.rpc.accountCheck(p, a), '', { timeout: CHECK_TIMEOUT_MS });
      return reply.json<AccountEntry>();
    } catch (error) {
      if (/no responders/i.test(String(error))) {
        throw new GatewayException('NOT_FOUND', `No running worker serves the ${p} account '${a}'`);
      }
      throw toGatewayError(error);
    }
  }

  /** Takes an account out of rotation (or back); answers with its entry as the registry shows it now. */
  async setDisabled(
    provider: string,
    account: string,
    disabled: boolean,
  ): Promise<{ disabled: boolean; entry: AccountEntry | null }> {
    const [p, a] = this.address(provider, account);
    const control: AccountControl = { disabled, at: new Date().toISOString() };
    try {
      await (await this.nats.bucket(Buckets.accountControls)).put(accountKey(p, a), JSON.stringify(control));
      const found = await (await this.nats.bucket(Buckets.accounts, ACCOUNT_ENTRY_TTL_MS)).get(accountKey(p, a));
      const entry = found && found.operation === 'PUT' && found.length > 0 ? found.json<AccountEntry>() : null;
      return { disabled, entry };
    } catch (error) {
      throw unavailable(error);
    }
  }

  private address(provider: string, account: string): [ProviderName, string] {
    if (!isProvider(provider)) throw new GatewayException('NOT_FOUND', `No provider '${provider}'`);
    if (!ACCOUNT_NAME.test(account)) throw new GatewayException('NOT_FOUND', `No account '${account.slice(0, 64)}'`);
    return [provider, account];
  }
}

function unavailable(error: unknown): GatewayException {
  if (error instanceof GatewayException) return error;
  return new GatewayException('SERVICE_UNAVAILABLE', 'The account registry (NATS) is unavailable; try again');
}
