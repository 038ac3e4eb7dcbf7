import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { serveChunked } from './chunked-transfer.js';
import type { NatsService } from './nats.service.js';

/**
 * A provider that answers one subject with files, in chunks (files exceed NATS's payload limit), from application
 * start to shutdown. Subclasses name the subject and queue group and turn a request payload into the file.
 */
export abstract class ChunkedFileServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private subscription?: { unsubscribe(): void };
  private closed = false;

  protected abstract readonly subject: string;
  protected abstract readonly queue: string;
  protected abstract serve(payload: unknown): Promise<{ bytes: Uint8Array; contentType: string }>;

  constructor(private readonly natsService: NatsService) {}

  onApplicationBootstrap(): void {
    // In the background: the app (and its probes) must come up while NATS is away; the subscription follows.
    void this.natsService.connection().then(
      (nc) => {
        if (this.closed) return;
        this.subscription = serveChunked(
          nc,
          this.subject,
          this.queue,
          (payload) => this.serve(payload),
          (error) => this.logger.error(`${this.subject} failed: ${String(error)}`),
        );
      },
      (error: unknown) => this.logger.error(`${this.subject} not served: ${String(error)}`),
    );
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
  }
}
