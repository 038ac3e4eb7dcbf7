import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ACCOUNT_ENTRY_TTL_MS, Buckets, type AccountEntry, type AccountState } from '@app/contracts';
import { NatsService } from '@app/messaging';
import { WebhooksService } from '../webhooks/webhooks.service.js';

export class AccountAlertsConfig {
  /** ACCOUNT_ALERT_WEBHOOK_URL: where an operator hears that an account needs a human (unset: no alerts). */
  url?: string;
}

/** States an operator must act on (sign in again, solve a challenge, look at the error). */
const NEEDS_A_HUMAN: ReadonlySet<AccountState> = new Set(['challenge', 'signed_out', 'error']);

/** A stable uuid for one happening, so every replica that saw it records the same delivery. */
function happeningId(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Watches the pool's registry and tells the operator (a signed webhook, `account.<state>`) when an account turns
 * challenged, signed out or failing. Every gateway replica watches; the delivery is keyed by the registry revision
 * of the change, so it is recorded and sent once. A state seen when the watch starts is not an alert (only changes
 * are), so a restarting gateway does not repeat old news.
 */
@Injectable()
export class AccountAlerts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AccountAlerts.name);
  private readonly last = new Map<string, AccountState>();
  private stop?: () => void;
  private closed = false;

  constructor(
    private readonly config: AccountAlertsConfig,
    private readonly nats: NatsService,
    private readonly webhooks: WebhooksService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.url) void this.watch();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.stop?.();
  }

  private async watch(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const bucket = await this.nats.bucket(Buckets.accounts, ACCOUNT_ENTRY_TTL_MS);
        const updates = await bucket.watch();
        this.stop = () => updates.stop();
        for await (const entry of updates) {
          if (entry.operation !== 'PUT' || entry.length === 0) continue;
          await this.seen(entry.json<AccountEntry>(), entry.revision);
        }
      } catch (error) {
        if (!this.closed) this.logger.warn(`watching the account registry failed: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5))));
    }
  }

  /** The watch starts with each account's current entry once: a change is a state that differs from one seen here. */
  private async seen(entry: AccountEntry, revision: number): Promise<void> {
    const key = `${entry.provider}.${entry.account}`;
    const before = this.last.get(key);
    this.last.set(key, entry.state);
    if (before === undefined || before === entry.state || !NEEDS_A_HUMAN.has(entry.state)) return;
    const event = `account.${entry.state}`;
    await this.webhooks
      .enqueueEvent(happeningId(key, entry.state, revision), event, this.config.url!, {
        event,
        account: entry,
        previous_state: before,
      })
      .catch((error: unknown) => this.logger.warn(`recording the ${event} alert for ${key} failed: ${String(error)}`));
  }
}
