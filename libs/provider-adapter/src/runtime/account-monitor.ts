import type { Logger } from '@nestjs/common';
import { ProviderException, type AccountState } from '@app/contracts';
import type { ProviderAdapter } from '../provider-adapter.js';
import type { AccountPacer } from './pacing.js';

export interface LastError {
  code: string;
  message: string;
  at: string;
}

/** The account's state (ready, cooling down, challenge, signed out, error), its checks and its last error. */
export class AccountMonitor {
  private current: AccountState = 'starting';
  /** Taken out of rotation by an operator: reported `disabled`, takes no jobs, keeps its real state underneath. */
  private disabled = false;
  signedIn = false;
  lastError: LastError | null = null;
  private checking?: Promise<void>;
  /** Called after the reported state changed (the registry writes the account's entry at once). */
  onChange?: () => void;

  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly pacer: AccountPacer,
    private readonly logger: Pick<Logger, 'log'>,
    private readonly checkTimeoutMs = 90_000,
  ) {}

  get state(): AccountState {
    return this.disabled ? 'disabled' : this.current;
  }

  setDisabled(disabled: boolean): void {
    const changed = disabled !== this.disabled;
    this.disabled = disabled;
    if (changed) this.onChange?.();
  }

  set(state: AccountState, error?: ProviderException): void {
    const changed = state !== this.current;
    if (changed) {
      this.logger.log(`account ${this.current} → ${state}${error ? ` (${error.code}: ${error.message})` : ''}`);
    }
    this.current = state;
    if (changed) this.onChange?.();
    if (error) this.remember(error);
  }

  /** Starts the adapter (browser) and checks the account; a failure leaves the account in `error`. */
  async start(): Promise<void> {
    try {
      await this.adapter.start();
      await this.check();
    } catch (error) {
      this.set('error', this.adapter.classifyError(error));
    }
  }

  /**
   * Single flight: the periodic re-check, `init` and boot may overlap (a slow browser start outlasts the check
   * interval), and two checks navigating the same page would break each other.
   */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** A check that starts after this call: one already running may have looked before the operator fixed things. */
  async freshCheck(): Promise<void> {
    await this.checking?.catch(() => undefined);
    return this.check();
  }

  /** The periodic re-check: only an account that is not usable needs one. */
  async recheck(): Promise<void> {
    if (this.current === 'ready' || this.current === 'cooling_down') return;
    await this.start();
  }

  /** Applies what a provider failure says about the account (PROVIDERS.md §6.3). */
  onError(error: ProviderException): void {
    if (error.code === 'SIGNED_OUT' && !error.control.callerToken) {
      this.signedIn = false;
      this.set('signed_out', error);
    } else if (error.code === 'CHALLENGE') this.set('challenge', error);
    else if (error.code === 'RATE_LIMITED') {
      this.pacer.onRateLimited(error);
      this.set('cooling_down', error);
    } else this.remember(error);
  }

  /** True when the account may take work now (a cooldown that ran out makes it ready again). */
  usable(): boolean {
    if (this.current === 'cooling_down' && !this.pacer.coolingDown()) this.set('ready');
    return this.current === 'ready' && !this.disabled;
  }

  private async runCheck(): Promise<void> {
    const result = await this.adapter.checkAccount(AbortSignal.timeout(this.checkTimeoutMs));
    this.signedIn = result.signedIn;
    this.set(
      result.state,
      result.state === 'ready'
        ? undefined
        : new ProviderException(
            result.state === 'challenge' ? 'CHALLENGE' : 'SIGNED_OUT',
            result.detail ?? result.state,
          ),
    );
  }

  private remember(error: ProviderException): void {
    this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
  }
}
