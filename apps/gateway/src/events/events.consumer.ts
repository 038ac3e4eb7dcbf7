import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { JobEventMessage, Streams, parsePayload } from '@app/contracts';
import { withLogFields } from '@app/logging';
import { NatsService, ensureGatewayEventsConsumer, ensureStreams } from '@app/messaging';
import { storable } from '../errors/input-guard.js';
import { JobsService } from '../jobs/jobs.service.js';
import { isDatabaseUnavailable } from '../persistence/database.js';
import { OutageLog } from '../persistence/outage-log.js';

/**
 * From this delivery on, a `product_design` sync that still fails no longer holds the event back: the job row (the
 * truth) is written, the failure is logged, the webhook goes out. Deliveries are 1, 2, 4, 8 s apart before that.
 */
export const FINAL_EVENT_ATTEMPT = 5;

/**
 * Applies worker events from JetStream durably: ack only after the database write (and its side effects)
 * succeeded, so a gateway killed mid-job loses nothing — JetStream redelivers. Events are validated against the
 * contracts class first (fields it does not know pass: a newer worker may send them); a malformed one is
 * terminated, never retried.
 */
@Injectable()
export class EventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventsConsumer.name);
  private messages?: ConsumerMessages;
  private stopped = false;
  private readonly stop = new AbortController();
  private readonly outage = new OutageLog(this.logger, 'consuming job events');

  constructor(
    private readonly nats: NatsService,
    private readonly jobs: JobsService,
  ) {}

  /** Starts in the background: the gateway serves (readiness 503) while NATS is down, and consumes once it is up. */
  onApplicationBootstrap(): void {
    void this.consumeUntilStopped();
  }

  /** Sets up and consumes; on a failure or an ended subscription, starts over with backoff. */
  private async consumeUntilStopped(): Promise<void> {
    for (let wait = 500; !this.stopped; wait = Math.min(wait * 2, 10_000)) {
      try {
        const messages = await this.subscribe();
        if (this.stopped) break;
        this.outage.succeeded();
        wait = 500;
        await this.run(messages);
      } catch (error) {
        this.outage.failed(error);
      }
      await delay(wait, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  private async subscribe(): Promise<ConsumerMessages> {
    const jsm = await this.nats.jetstreamManager();
    await ensureStreams(jsm, this.nats.replicas);
    const durable = await ensureGatewayEventsConsumer(jsm);
    const consumer = await (await this.nats.jetstream()).consumers.get(Streams.events, durable);
    this.messages = await consumer.consume({ max_messages: 256 });
    return this.messages;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.stopped) return;
      await this.handle(msg);
    }
  }

  /** One event: parse and validate, apply, then ack; nak with backoff on a failure worth retrying. */
  async handle(msg: Pick<JsMsg, 'json' | 'ack' | 'nak' | 'term' | 'info' | 'subject'>): Promise<void> {
    let event: JobEventMessage;
    try {
      event = parsePayload(JobEventMessage, storable(msg.json()), { keepUnknown: true });
    } catch (error) {
      this.logger.warn(`dropping a malformed event on ${msg.subject}: ${String(error)}`);
      msg.term();
      return;
    }
    const attempt = msg.info.deliveryCount;
    try {
      // Every line logged while applying it (product_design, webhooks) names the job.
      await withLogFields({ jobId: event.jobId, provider: event.provider }, () =>
        this.jobs.applyEvent(event, { finalAttempt: attempt >= FINAL_EVENT_ATTEMPT }),
      );
      msg.ack();
    } catch (error) {
      if (this.stopped) return;
      // While the database is down every event fails alike; the Database handle logs that once.
      if (!isDatabaseUnavailable(error)) {
        this.logger.warn(`applying event ${event.jobId}#${event.seq} failed (attempt ${attempt}): ${String(error)}`);
      }
      msg.nak(Math.min(30_000, 1000 * 2 ** (attempt - 1)));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stop.abort();
    await this.messages?.close();
  }
}
