/** What the adapter needs from the service config (built in app.module from MidjourneyConfig). */
export class MidjourneyAdapterConfig {
  appUrl!: string;
  cdnUrl!: string;
  userId?: string;
  /** Websocket origin (`wss://ws.midjourney.com`); the socket is off when `socket` is false. */
  wsUrl: string = 'wss://ws.midjourney.com';
  socket: boolean = false;
  /** Socket news younger than this answers a poll without asking /api/job-status. */
  socketFreshMs: number = 15_000;
  bucket: string = 'product-designs';
  expectedRenderMs: number = 0;
  allowPrivateUrls: boolean = false;
  maxImageBytes: number = 20 * 1024 * 1024;
  /** Hosts proxy-image may fetch from (the CDN). */
  cdnHosts: string[] = ['cdn.midjourney.com'];
}
