import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ProxyImageRequest, Subjects, parsePayload } from '@app/contracts';
import { NatsService, serveChunked } from '@app/messaging';
import { MidjourneyAdapter } from '../adapter/midjourney.adapter.js';

/** `midjourney.proxy-image` streams a CDN image back in chunks (images exceed NATS's payload limit). */
@Injectable()
export class ProxyImageService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProxyImageService.name);
  private subscription?: { unsubscribe(): void };

  constructor(
    private readonly nats: NatsService,
    private readonly adapter: MidjourneyAdapter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = serveChunked(
      await this.nats.connection(),
      Subjects.rpc.proxyImage('midjourney'),
      'midjourney',
      (payload) => this.proxy(payload),
      (error) => this.logger.error(`proxy-image failed: ${String(error)}`),
    );
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private async proxy(payload: unknown): Promise<{ bytes: Buffer; contentType: string }> {
    const request = parsePayload(ProxyImageRequest, payload);
    try {
      return await this.adapter.proxyImage(request.url, AbortSignal.timeout(90_000));
    } catch (error) {
      const flags = error as { forbiddenHost?: boolean; notFound?: boolean };
      if (flags.forbiddenHost) throw Object.assign(new Error((error as Error).message), { code: 'FORBIDDEN_HOST' });
      if (flags.notFound) throw Object.assign(new Error((error as Error).message), { code: 'NOT_FOUND' });
      throw error; // a ProviderException answers with its own code
    }
  }
}
