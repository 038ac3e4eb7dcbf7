import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { serveChunked } from './chunked-transfer.js';
import type { NatsService } from './nats.service.js';

/**
 * A provider that answers one subject with files, in chunks (files exceed NATS's payload limit), from application
 * start to shutdown. Subclasses name the subject and queue group and turn a request payload into the file.
 */
export abstract class ChunkedFileServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private subscription?: { unsubscribe(): void };
  private readonly stop = new AbortController();

  protected abstract readonly subject: string;
  protected abstract readonly queue: string;
  protected abstract serve(payload: unknown): Promise<{ bytes: Uint8Array; contentType: string }>;

  constructor(private readonly natsService: NatsService) {}

  /** Subscribes in the background: the app starts (and answers its probes) while NATS is still down. */
  onApplicationBootstrap(): void {
    void this.subscribeWhenConnected();
  }

  private async subscribeWhenConnected(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const nc = await this.natsService.connection(); // waits for the first connect
        if (this.stop.signal.aborted) return;
        this.subscription = serveChunked(
          nc,
          this.subject,
          this.queue,
          (payload) => this.serve(payload),
          (error) => this.logger.error(`${this.subject} failed: ${String(error)}`),
        );
        return;
      } catch {
        // Lost again before we subscribed: the connection reconnects by itself; ask again shortly.
        await delay(1000, undefined, { signal: this.stop.signal }).catch(() => undefined);
      }
    }
  }

  onApplicationShutdown(): void {
    this.stop.abort();
    this.subscription?.unsubscribe();
  }
}
