/** What the adapter needs from the service config (built in app.module from MidjourneyConfig). */
export class MidjourneyAdapterConfig {
  appUrl!: string;
  cdnUrl!: string;
  userId?: string;
  bucket: string = 'product-designs';
  expectedRenderMs: number = 0;
  allowPrivateUrls: boolean = false;
  maxImageBytes: number = 20 * 1024 * 1024;
  /** Hosts proxy-image may fetch from (the CDN). */
  cdnHosts: string[] = ['cdn.midjourney.com'];
}
