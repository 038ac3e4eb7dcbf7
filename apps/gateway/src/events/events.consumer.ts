import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConsumerMessages } from '@nats-io/jetstream';
import { Streams, type JobEvent } from '@app/contracts';
import { NatsService, ensureGatewayEventsConsumer, ensureStreams } from '@app/messaging';
import { JobsService } from '../jobs/jobs.service.js';

/**
 * Applies worker events from JetStream durably: ack only after the database write (and its side effects)
 * succeeded, so a gateway killed mid-job loses nothing — JetStream redelivers.
 */
@Injectable()
export class EventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventsConsumer.name);
  private messages?: ConsumerMessages;
  private stopped = false;

  constructor(
    private readonly nats: NatsService,
    private readonly jobs: JobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nats.jetstreamManager();
    await ensureStreams(jsm);
    const durable = await ensureGatewayEventsConsumer(jsm);
    const consumer = await (await this.nats.jetstream()).consumers.get(Streams.events, durable);
    this.messages = await consumer.consume({ max_messages: 256 });
    void this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      let event: JobEvent;
      try {
        event = msg.json<JobEvent>();
      } catch {
        msg.term();
        continue;
      }
      try {
        await this.jobs.applyEvent(event);
        msg.ack();
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`applying event ${event.jobId}#${event.seq} failed, will retry: ${String(error)}`);
        msg.nak(2000);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
  }
}
