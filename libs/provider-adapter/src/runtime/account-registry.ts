import type { Logger } from '@nestjs/common';
import type { AccountControl, AccountEntry } from '@app/contracts';

/** How often a worker writes its account's entry; the bucket drops an entry not written for ACCOUNT_ENTRY_TTL_MS. */
export const BEAT_MS = 3000;

export interface AccountRegistryParts {
  /** The account's entry as it stands (without the operator's decision and the time). */
  entry: () => Omit<AccountEntry, 'disabled' | 'updatedAt'>;
  /** Writes the entry to the registry (KV `accounts`). */
  write: (entry: AccountEntry) => Promise<unknown>;
  /** Reads the operator's decision (KV `account_controls`); null when there is none. */
  control: () => Promise<AccountControl | null>;
  /** Applies the decision to the account (it stops taking jobs while disabled). */
  setDisabled: (disabled: boolean) => void;
  logger: Pick<Logger, 'log' | 'warn'>;
}

/**
 * The worker's side of the pool's registry: each beat reads what the operator decided about this account and
 * writes the account's entry. NATS being away only delays both: the last decision stays in force, and the entry
 * comes back at the next beat that reaches NATS (it expires meanwhile only if the outage outlasts its TTL).
 */
export class AccountRegistry {
  private disabled = false;
  private beating?: Promise<void>;
  private again = false;
  private outage = false;

  constructor(private readonly parts: AccountRegistryParts) {}

  /** One beat; a call while one runs gets one more beat after it (the entry it is writing may be out of date). */
  beat(): Promise<void> {
    if (this.beating) {
      this.again = true;
      return this.beating;
    }
    this.beating = (async () => {
      do {
        this.again = false;
        await this.beatOnce();
      } while (this.again);
    })().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const { parts } = this;
    try {
      const control = await parts.control();
      const disabled = !!control?.disabled;
      if (disabled !== this.disabled) {
        this.disabled = disabled;
        parts.setDisabled(disabled);
        parts.logger.log(`account ${disabled ? 'disabled' : 'enabled'} by an operator`);
      }
      await parts.write({ ...parts.entry(), disabled: this.disabled, updatedAt: new Date().toISOString() });
      if (this.outage) parts.logger.log('account registry reachable again');
      this.outage = false;
    } catch (error) {
      if (!this.outage) parts.logger.warn(`account registry unreachable, keeping the last decision: ${String(error)}`);
      this.outage = true;
    }
  }
}
