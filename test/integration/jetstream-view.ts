import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Buckets, Consumers, Streams, Subjects, type JobEvent, type ProviderName } from '@app/contracts';

/**
 * What the workers wrote to JetStream, read by a test over a connection of its own: the positive signals a test waits
 * for before it asserts that something did NOT happen (a job a worker ended, a message it took back and acked).
 */
export class JetStreamView {
  private constructor(private readonly nc: NatsConnection) {}

  static async open(url: string): Promise<JetStreamView> {
    // Reconnects on its own across a nats-server restart on the same port.
    return new JetStreamView(await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 }));
  }

  /** The end marker a provider's worker writes when it ends a job (`{status, at}`), if it did. */
  async finished(provider: ProviderName, jobId: string): Promise<{ status: string; at: string } | undefined> {
    const kv = await new Kvm(this.nc).open(Buckets.finished(provider));
    const entry = await kv.get(jobId);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return entry.json<{ status: string; at: string }>();
  }

  /** The provider's work-queue consumer: deliveries so far (redeliveries included) and messages not yet acked. */
  async jobsConsumer(provider: ProviderName): Promise<{ deliveries: number; unacked: number; waiting: number }> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.consumers.info(Streams.jobs, Consumers.worker(provider));
    return { deliveries: info.delivered.consumer_seq, unacked: info.num_ack_pending, waiting: info.num_pending };
  }

  /** The last event published for a job (by its worker or a worker's queue deadlines), if any. */
  async lastEvent(provider: ProviderName, jobId: string): Promise<JobEvent | undefined> {
    const jsm = await jetstreamManager(this.nc);
    const msg = await jsm.streams.getMessage(Streams.events, { last_by_subj: Subjects.event(provider, jobId) });
    return msg ? msg.json<JobEvent>() : undefined;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
