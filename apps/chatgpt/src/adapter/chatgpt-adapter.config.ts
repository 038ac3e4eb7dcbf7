/** What the adapter needs from the service config (built in app.module from ChatgptConfig). */
export class ChatgptAdapterConfig {
  /** chatgpt.com, or the simulator. */
  appUrl: string = 'https://chatgpt.com';
  /** The custom GPT a job talks to unless it names another. */
  gptUrl: string = 'https://chatgpt.com/g/g-682b4c8d88848191accff36501109e7e-wowz-ai-assistant-remix-design';
  bucket: string = 'chatgpt-images';
  /** Navigation plus the composer (or a sign-in / challenge / not-found marker) showing up. */
  pageTimeoutMs: number = 30_000;
  /** Attached images: every blob chip shown and no upload spinner left. */
  uploadTimeoutMs: number = 60_000;
  /** After the send click: the conversation request answered (or an error shown). */
  sendTimeoutMs: number = 30_000;
  /** Expected answer time (first poll at a fraction of it). */
  expectedAnswerMs: number = 20_000;
  /** Poll interval while an answer streams. */
  pollIntervalMs: number = 2_000;
  /** Cooldown after a rate-limit message (the site says "try again later" without a time). */
  rateLimitCooldownMs: number = 300_000;
  /** A conversation busy with another answer: how long the job waits in the queue before trying again. */
  busyRetryMs: number = 10_000;
  allowPrivateUrls: boolean = false;
  maxImageBytes: number = 20 * 1024 * 1024;
}
