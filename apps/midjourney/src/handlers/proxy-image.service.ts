import { Injectable } from '@nestjs/common';
import { ProxyImageRequest, Subjects, parsePayload } from '@app/contracts';
import { ChunkedFileServer, NatsService } from '@app/messaging';
import { MidjourneyAdapter } from '../adapter/midjourney.adapter.js';

/** `midjourney.proxy-image` streams a CDN image back in chunks (images exceed NATS's payload limit). */
@Injectable()
export class ProxyImageService extends ChunkedFileServer {
  protected readonly subject = Subjects.rpc.proxyImage('midjourney');
  protected readonly queue = 'midjourney';

  constructor(
    nats: NatsService,
    private readonly adapter: MidjourneyAdapter,
  ) {
    super(nats);
  }

  protected async serve(payload: unknown): Promise<{ bytes: Buffer; contentType: string }> {
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
