import { Injectable } from '@nestjs/common';
import { Buckets, Subjects, type JobMessage, type ProviderName } from '@app/contracts';
import { NatsService } from '@app/messaging';

const CANCELED_TTL_MS = 7 * 24 * 3600 * 1000;

/** The gateway's side of JetStream: job messages out, cancel markers into the workers' KV bucket. */
@Injectable()
export class JobsQueue {
  constructor(private readonly nats: NatsService) {}

  /** False while the connection to NATS is down (publishes would only wait for their timeout). */
  connected(): boolean {
    return this.nats.isConnected();
  }

  async publish(message: JobMessage): Promise<void> {
    const js = await this.nats.jetstream();
    // msgID = job id: a retried publish inside the duplicate window is dropped by JetStream.
    const subject = message.account
      ? Subjects.pinnedJob(message.provider, message.account)
      : Subjects.job(message.provider, message.operation);
    await js.publish(subject, JSON.stringify(message), {
      msgID: message.jobId,
      timeout: 5000,
    });
  }

  async markCanceled(provider: ProviderName, jobId: string): Promise<void> {
    const kv = await this.nats.bucket(Buckets.canceled, CANCELED_TTL_MS);
    await kv.put(jobId, JSON.stringify({ provider, at: new Date().toISOString() }));
  }
}
