/** What the adapter needs from the service config (built in app.module from IdeogramConfig). */
export class IdeogramAdapterConfig {
  appUrl: string = 'https://ideogram.ai';
  /** Account ids; read from the signed-in session when unset (never hard-coded). */
  userId?: string;
  orgId?: string;
  /** Optional token source answering `{access_token, expires_in}` (the original's); otherwise the page's own token. */
  tokenUrl?: string;
  /** A token is refreshed when it expires within this margin, so a long poll never runs on an expired one. */
  tokenRefreshMarginMs: number = 5 * 60_000;
  bucket: string = 'product-ideas';
  /** Expected generation time (0 = 60 s); upscales expect three quarters of it. */
  expectedRenderMs: number = 0;
  allowPrivateUrls: boolean = false;
  maxImageBytes: number = 20 * 1024 * 1024;
  /** The original waited this long between the upload and its caption. */
  describeDelayMs: number = 1500;
  /** How long a job waits in the queue when the account's in-flight slot is taken. */
  inflightWaitMs: number = 5000;
  /** Wait in the queue (instead of failing) when exhausted credits refresh within this long; 0 = never wait. */
  quotaWaitMaxMs: number = 0;
  /** Bound of the sign-in check and of a token refresh by reload. */
  pageTimeoutMs: number = 20_000;
}
