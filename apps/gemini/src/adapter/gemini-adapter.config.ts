/** What the adapter needs from the service config (built in app.module from GeminiConfig). */
export class GeminiAdapterConfig {
  /** gemini.google.com, or the simulator. */
  appUrl: string = 'https://gemini.google.com';
  bucket: string = 'veo-videos';
  /** Navigation plus the composer (or the sign-in link) showing up; also each step of choosing the tool. */
  pageTimeoutMs: number = 30_000;
  /** The start image: preview shown and no upload progress left. */
  uploadTimeoutMs: number = 60_000;
  /** After the send click: the new chat's address (or an error shown). */
  sendTimeoutMs: number = 30_000;
  /** Expected render time (the original waited up to 10 minutes); the first poll comes at a fraction of it. */
  expectedRenderMs: number = 120_000;
  /** Poll interval while the video renders (the original looked every 10 s); a backstop while the tab is watched. */
  pollIntervalMs: number = 10_000;
  /** Watch each job's tab for the page's own updates (a DOM observer) and look at once when the answer changes. */
  push: boolean = true;
  /** The download of the finished video, from the click to the last byte. */
  downloadTimeoutMs: number = 120_000;
  /** Parent of the per-job download folders (bug #17: never "the newest file of a shared folder"). */
  downloadDir: string = 'data/downloads/gemini';
  allowPrivateUrls: boolean = false;
  maxImageBytes: number = 20 * 1024 * 1024;
  maxVideoBytes: number = 200 * 1024 * 1024;
}
