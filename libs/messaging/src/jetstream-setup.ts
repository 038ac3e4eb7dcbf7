import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Consumers, Streams, Subjects, type ProviderName } from '@app/contracts';

const DAY_MS = 24 * 3600 * 1000;

/** Adds a stream or updates it to the wanted config; safe to call from every process at start. */
async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]) {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (error) {
    if (!/not found/i.test(String(error))) throw error;
    await jsm.streams.add(config);
  }
}

/**
 * JOBS (work queue: a message lives until a worker acks it) and JOB_EVENTS (kept a week for replay), each with
 * `replicas` copies (NATS_REPLICAS: 3 on a JetStream cluster).
 */
export async function ensureStreams(jsm: JetStreamManager, replicas = 1): Promise<void> {
  await ensureStream(jsm, {
    name: Streams.jobs,
    subjects: [Subjects.allJobs],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: nanos(7 * DAY_MS),
    duplicate_window: nanos(2 * 60 * 1000),
    num_replicas: replicas,
  });
  await ensureStream(jsm, {
    name: Streams.events,
    subjects: [Subjects.allEvents],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(7 * DAY_MS),
    duplicate_window: nanos(2 * 60 * 1000),
    num_replicas: replicas,
  });
}

/**
 * The provider's durable pull consumer, shared by all its replicas. `ack_wait` covers one submission (workers
 * call `working()` while a slow submit runs); invalid payloads are terminated, and every job ends by its deadline.
 */
export async function ensureWorkerConsumer(jsm: JetStreamManager, provider: ProviderName, ackWaitMs = 60_000) {
  const durable = Consumers.worker(provider);
  const config = {
    durable_name: durable,
    filter_subject: Subjects.jobsOf(provider),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    // Unbounded: the runtime bounds retries itself (maxDeliveries, deadline), and a job waiting for the account's
    // in-flight slot at the provider may be redelivered many times before its deadline.
    max_deliver: -1,
    max_ack_pending: 1000,
  };
  try {
    await jsm.consumers.info(Streams.jobs, durable);
    await jsm.consumers.update(Streams.jobs, durable, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
  } catch (error) {
    if (!/not found/i.test(String(error))) throw error;
    await jsm.consumers.add(Streams.jobs, config);
  }
  return durable;
}

/**
 * The durable pull consumer of the jobs pinned to one account (follow-ups of its own jobs): only that account's
 * worker reads it. Same settings as the shared consumer, on the account's own subject of the JOBS stream.
 */
export async function ensurePinnedConsumer(
  jsm: JetStreamManager,
  provider: ProviderName,
  account: string,
  ackWaitMs = 60_000,
) {
  const durable = Consumers.pinnedWorker(provider, account);
  try {
    await jsm.consumers.info(Streams.jobs, durable);
    await jsm.consumers.update(Streams.jobs, durable, { ack_wait: nanos(ackWaitMs), max_deliver: -1 });
  } catch (error) {
    if (!/not found/i.test(String(error))) throw error;
    await jsm.consumers.add(Streams.jobs, {
      durable_name: durable,
      filter_subject: Subjects.pinnedJob(provider, account),
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ackWaitMs),
      max_deliver: -1,
      max_ack_pending: 1000,
    });
  }
  return durable;
}

/** The gateway's durable consumer of every job event. */
export async function ensureGatewayEventsConsumer(jsm: JetStreamManager, ackWaitMs = 30_000) {
  const durable = Consumers.gatewayEvents;
  try {
    await jsm.consumers.info(Streams.events, durable);
  } catch (error) {
    if (!/not found/i.test(String(error))) throw error;
    await jsm.consumers.add(Streams.events, {
      durable_name: durable,
      filter_subject: Subjects.allEvents,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_deliver: -1,
    });
  }
  return durable;
}
