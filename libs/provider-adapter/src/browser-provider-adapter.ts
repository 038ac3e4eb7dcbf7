import { ProviderException } from '@app/contracts';
import type { BrowserSession } from '@app/browser';
import { ProviderAdapter } from './provider-adapter.js';

/**
 * A provider driven through the account's browser session: the session's lifecycle and state are the adapter's,
 * and anything unclassified that a browser call throws is a timeout or a provider error.
 */
export abstract class BrowserProviderAdapter extends ProviderAdapter {
  constructor(protected readonly browser: BrowserSession) {
    super();
  }

  async start(): Promise<void> {
    await this.browser.start();
  }

  async stop(): Promise<void> {
    await this.browser.stop();
  }

  override browserState() {
    return this.browser.state();
  }

  classifyError(error: unknown): ProviderException {
    if (error instanceof ProviderException) return error;
    if (error instanceof Error && error.name === 'TimeoutError') {
      return new ProviderException('PROVIDER_TIMEOUT', error.message);
    }
    return new ProviderException('PROVIDER_ERROR', error instanceof Error ? error.message : String(error));
  }
}
