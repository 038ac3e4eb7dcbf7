import type { Logger } from '@nestjs/common';

/**
 * A loop that runs every second against a dependency that is down would log the same error every second: log once
 * when the outage starts and once when it ends.
 */
export class OutageLog {
  private since?: number;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'log'>,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.since !== undefined;
  }

  failed(error: unknown): void {
    if (this.since !== undefined) return;
    this.since = this.now();
    this.logger.warn(`${this.what} failed; retrying quietly until it works again: ${String(error)}`);
  }

  succeeded(): void {
    if (this.since === undefined) return;
    this.logger.log(`${this.what} works again after ${Math.round((this.now() - this.since) / 1000)} s`);
    this.since = undefined;
  }
}
