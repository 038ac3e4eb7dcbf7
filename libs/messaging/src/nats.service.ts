import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, ServerNats } from '@nestjs/microservices';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';

export class NatsConfig {
  /** One URL or several, comma-separated (the nodes of a cluster; the client also learns the others from any). */
  url!: string;
  /**
   * NATS_REPLICAS: copies of every stream and KV bucket this process creates — 1 on one server, 3 on a JetStream
   * cluster. Applied when creating and, for an existing stream or bucket, by updating it.
   */
  replicas?: number;
  /** Connection name shown in the server's monitoring (app and account). */
  name!: string;
}

/**
 * The one NATS connection of a process. Nest's ClientNats owns it (request/reply through `send`); JetStream and
 * KV run on the same connection (`unwrap`), because Nest's transport speaks core NATS only.
 */
@Injectable()
export class NatsService implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsService.name);
  readonly client: ClientNats;
  private js?: JetStreamClient;
  private jsmPromise?: Promise<JetStreamManager>;
  private readonly buckets = new Map<string, Promise<KV>>();

  constructor(readonly config: NatsConfig) {
    this.client = new ClientNats({
      servers: config.url
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean),
      name: config.name,
      // Keep trying forever: a NATS restart must not take the process down; readiness reports the outage.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A process started while nats-server is down waits for it (same policy as reconnects) instead of failing
      // with ECONNREFUSED; readiness answers 503 meanwhile.
      waitOnFirstConnect: true,
      // Requests (every JetStream publish is one) would otherwise build two Error objects each just to keep an async
      // stack trace: several per cent of the gateway's CPU under load. Errors still carry their own stacks.
      noAsyncTraces: true,
    });
  }

  private watched?: NatsConnection;
  private disconnected = false;

  /** Connects on first use; ClientNats caches the connection and its reconnects. */
  async connection(): Promise<NatsConnection> {
    const nc = (await this.client.connect()) as NatsConnection;
    if (this.watched !== nc) this.watch(nc);
    return nc;
  }

  /** Follows disconnects and reconnects, so callers can skip work that would only wait for a timeout. */
  private watch(nc: NatsConnection): void {
    this.watched = nc;
    this.disconnected = false;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.disconnected = true;
        else if (status.type === 'reconnect') this.disconnected = false;
      }
    })().catch(() => undefined);
  }

  async jetstream(): Promise<JetStreamClient> {
    this.js ??= jetstream(await this.connection());
    return this.js;
  }

  /** Cached once it worked; a failed attempt (no connection, JetStream not answering) is tried again next call. */
  jetstreamManager(): Promise<JetStreamManager> {
    if (!this.jsmPromise) {
      const attempt = this.connection().then((nc) => jetstreamManager(nc));
      this.jsmPromise = attempt;
      attempt.catch(() => {
        if (this.jsmPromise === attempt) this.jsmPromise = undefined;
      });
    }
    return this.jsmPromise;
  }

  get replicas(): number {
    return this.config.replicas ?? 1;
  }

  /** Opens (creating if needed) a KV bucket with NATS_REPLICAS copies; `ttlMs` applies to every key. */
  bucket(name: string, ttlMs?: number): Promise<KV> {
    let kv = this.buckets.get(name);
    if (!kv) {
      kv = this.openBucket(name, ttlMs);
      kv.catch(() => this.buckets.delete(name));
      this.buckets.set(name, kv);
    }
    return kv;
  }

  private async openBucket(name: string, ttlMs?: number): Promise<KV> {
    const nc = await this.connection();
    const replicas = this.replicas;
    const kv = await new Kvm(nc).create(name, { history: 1, replicas, ...(ttlMs ? { ttl: ttlMs } : {}) });
    // `create` opens an existing bucket as it is: bring its replicas and TTL to what this process expects (the
    // first process to open a bucket must not decide them for everyone).
    const status = await kv.status();
    const ttlDiffers = ttlMs !== undefined && status.ttl !== ttlMs;
    if (status.replicas !== replicas || ttlDiffers) {
      const jsm = await this.jetstreamManager();
      const stream = `KV_${name}`;
      const { config } = await jsm.streams.info(stream);
      await jsm.streams.update(stream, {
        ...config,
        num_replicas: replicas,
        ...(ttlDiffers ? { max_age: nanos(ttlMs) } : {}),
      });
      this.logger.log(
        `bucket ${name}: replicas ${status.replicas} → ${replicas}, ttl ${status.ttl} → ${ttlMs ?? status.ttl} ms`,
      );
    }
    return kv;
  }

  /** True while the connection is open and not reconnecting (no I/O: safe for probes). */
  isConnected(): boolean {
    const nc = this.current();
    return !!nc && !this.disconnected && !nc.isClosed() && !nc.isDraining();
  }

  private current(): NatsConnection | undefined {
    try {
      return this.client.unwrap<NatsConnection>();
    } catch {
      return undefined; // not connected yet
    }
  }

  /** Round trip to the server (used by readiness with a timeout). */
  async rtt(): Promise<number> {
    return (await this.connection()).rtt();
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      const nc = this.current();
      if (nc && !nc.isClosed()) await nc.drain();
    } catch (error) {
      this.logger.warn(`NATS drain failed: ${String(error)}`);
    }
    await this.client.close();
  }
}

/**
 * Nest's NATS server (for @MessagePattern handlers) on the process's shared connection instead of a second one.
 */
export class SharedNatsServer extends ServerNats {
  constructor(
    private readonly nats: NatsService,
    options: { queue?: string } = {},
  ) {
    super({ queue: options.queue, gracefulShutdown: false });
  }

  override async createNatsClient(): Promise<NatsConnection> {
    return this.nats.connection();
  }

  /** The connection belongs to NatsService; only stop our subscriptions here. */
  override close(): Promise<void> {
    for (const sub of (this as unknown as { subscriptions: { unsubscribe(): void }[] }).subscriptions) {
      sub.unsubscribe();
    }
    return Promise.resolve();
  }
}
