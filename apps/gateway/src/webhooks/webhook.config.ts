export class WebhookConfig {
  secret?: string;
  /** Wait before each retry, ms (WEBHOOK_RETRY_DELAYS_MS); after the last one a failing delivery is given up. */
  retryDelaysMs: number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
  /** WEBHOOK_ALLOW_PRIVATE_URLS: let webhooks reach loopback and private addresses (local development only). */
  allowPrivateUrls = false;
  /** WEBHOOK_LOOKUP_TIMEOUT_MS: how long a webhook host name may take to resolve when it is checked. */
  lookupTimeoutMs = 2000;
}
