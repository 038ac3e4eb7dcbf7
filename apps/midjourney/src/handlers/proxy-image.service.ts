import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { ProxyImageRequest, ProviderException, Subjects, parsePayload } from '@app/contracts';
import { NatsService, replyError, replyInChunks } from '@app/messaging';
import { MidjourneyAdapter } from '../adapter/midjourney.adapter.js';

/**
 * `midjourney.proxy-image` streams a CDN image back in chunks: images exceed NATS's 1 MiB payload limit, so this
 * one subject is served on the raw connection instead of Nest's single-reply @MessagePattern.
 */
@Injectable()
export class ProxyImageService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProxyImageService.name);
  private subscription?: Subscription;

  constructor(
    private readonly nats: NatsService,
    private readonly adapter: MidjourneyAdapter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const nc = await this.nats.connection();
    this.subscription = nc.subscribe(Subjects.rpc.proxyImage('midjourney'), {
      queue: 'midjourney',
      callback: (error, msg) => {
        if (!error) void this.serve(msg);
      },
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private async serve(msg: Msg): Promise<void> {
    if (!msg.reply) return;
    const nc = await this.nats.connection();
    try {
      const request = parsePayload(ProxyImageRequest, msg.json());
      const image = await this.adapter.proxyImage(request.url, AbortSignal.timeout(90_000));
      replyInChunks(nc, msg.reply, image.bytes, image.contentType);
    } catch (error) {
      const flags = error as { forbiddenHost?: boolean; notFound?: boolean };
      const code = flags.forbiddenHost
        ? 'FORBIDDEN_HOST'
        : flags.notFound
          ? 'NOT_FOUND'
          : error instanceof ProviderException
            ? error.code
            : 'PROVIDER_ERROR';
      if (!(error instanceof ProviderException)) this.logger.error(`proxy-image failed: ${String(error)}`);
      replyError(nc, msg.reply, code, error instanceof Error ? error.message : 'proxy failed');
    }
  }
}
