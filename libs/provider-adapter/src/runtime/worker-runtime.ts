import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { MsgRequest } from '@nats-io/jetstream';
import {
  ACCOUNT_ENTRY_TTL_MS,
  ACCOUNT_NAME,
  Buckets,
  Streams,
  Subjects,
  accountKey,
  type AccountControl,
  type AccountEntry,
  type AccountState,
  type StatusReply,
} from '@app/contracts';
import type { Subscription } from '@nats-io/transport-node';
import { NatsService, ensurePinnedConsumer, ensureStreams, ensureWorkerConsumer } from '@app/messaging';
import { ObjectStorage } from '@app/storage';
import { PROVIDER_ADAPTERS, ProviderAdapter } from '../provider-adapter.js';
import { AccountMonitor } from './account-monitor.js';
import { AccountRegistry, BEAT_MS } from './account-registry.js';
import { infra } from './infra.js';
import { InflightStore } from './inflight-store.js';
import { JobEvents } from './job-events.js';
import { JobIntake, MergedSource, type JobSource } from './job-intake.js';
import { AccountPacer, backoffMs } from './pacing.js';
import { Poller } from './poller.js';
import { QueueDeadlines, type QueueReader } from './queue-deadlines.js';
import { ResultStorage } from './result-storage.js';
import { RuntimeConfig } from './runtime.config.js';
import { schedulerTimers } from './timers.js';

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const hoursText = (hours: { start: number; end: number } | null) =>
  hours ? `${hhmm(hours.start)}-${hhmm(hours.end)} UTC` : null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CANCELED_TTL_MS = 7 * 24 * 3600 * 1000;
/** As long as the JOBS stream keeps a message: a redelivery can come no later. */
const FINISHED_TTL_MS = 7 * 24 * 3600 * 1000;
/** How often in-flight state kept in memory during a NATS outage is written again. */
const FLUSH_INTERVAL_MS = 1000;
/** How often jobs still queued past their deadline are looked for. */
const QUEUE_SWEEP_INTERVAL_MS = 1000;

interface Running {
  store: InflightStore;
  events: JobEvents;
  poller: Poller;
  intake: JobIntake;
  queue: QueueDeadlines;
}

/**
 * Runs any ProviderAdapter, from parts that each do one thing: the in-flight store (KV state kept in memory while
 * NATS is away), the account monitor, job intake (consume, capacity, submit once), the submit policy, the poller
 * (polls, reconciliation, deadlines), queue deadlines (jobs no account took), result storage and job events. This class wires them to NATS and Nest's
 * lifecycle, boots with retries while NATS is unavailable, and answers status.
 */
@Injectable()
export class WorkerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  readonly adapter: ProviderAdapter;
  readonly pacer: AccountPacer;
  readonly account: AccountMonitor;
  private parts?: Running;
  private stopping = false;
  private loop?: Promise<void>;
  private booted?: Promise<void>;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopCancelWatch?: () => void;
  private readonly startedAt = Date.now();
  readonly registry: AccountRegistry;
  private checkSubscription?: Subscription;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly nats: NatsService,
    private readonly storage: ObjectStorage,
    private readonly scheduler: SchedulerRegistry,
    @Inject(PROVIDER_ADAPTERS) adapters: ProviderAdapter[],
  ) {
    const adapter = adapters.find((a) => a.provider === config.provider);
    if (!adapter) throw new Error(`No adapter registered for provider ${config.provider}`);
    this.adapter = adapter;
    this.pacer = new AccountPacer(config);
    this.logger = new Logger(`Worker:${config.provider}:${config.account}`);
    this.account = new AccountMonitor(adapter, this.pacer, this.logger);
    if (!ACCOUNT_NAME.test(config.account)) {
      throw new Error(`The account name '${config.account}' must be 1–64 letters, digits, '-' or '_'`);
    }
    const key = accountKey(config.provider, config.account);
    this.registry = new AccountRegistry({
      entry: () => this.accountEntry(),
      write: async (entry) =>
        (await this.nats.bucket(Buckets.accounts, ACCOUNT_ENTRY_TTL_MS)).put(key, JSON.stringify(entry)),
      control: async () => {
        const found = await (await this.nats.bucket(Buckets.accountControls)).get(key);
        return found && found.operation === 'PUT' && found.length > 0 ? found.json<AccountControl>() : null;
      },
      setDisabled: (disabled) => this.account.setDisabled(disabled),
      logger: this.logger,
    });
    // A state change shows in the registry at once, not at the next beat.
    this.account.onChange = () => void this.registry.beat();
  }

  onApplicationBootstrap(): void {
    // Boot in the background: the HTTP health port answers (not ready) while NATS and the browser come up.
    this.booted = this.boot();
  }

  /** Resolves when the runtime consumes (tests). */
  whenBooted(): Promise<void> {
    return this.booted ?? Promise.resolve();
  }

  private async boot(): Promise<void> {
    // The registry first: the pool shows this account (starting) while the rest comes up.
    this.repeat(() => void this.registry.beat(), BEAT_MS);
    const connected = await this.retrying('connecting to JetStream', () => this.connect());
    if (!connected) return;
    await this.answerChecks();
    this.repeat(() => void this.account.recheck(), this.config.accountCheckIntervalMs);
    this.repeat(() => void this.parts?.store.flush(), FLUSH_INTERVAL_MS);
    this.repeat(() => void this.parts?.queue.sweep(), QUEUE_SWEEP_INTERVAL_MS);
    await this.account.start();
    void this.watchCancels();
    if (!(await this.retrying('resuming in-flight jobs', () => this.resume()))) return;
    this.loop = this.parts!.intake.consume(connected.value);
  }

  /** Retries a boot step with backoff until it succeeds or the worker stops (then undefined). */
  private async retrying<T>(step: string, run: () => Promise<T>): Promise<{ value: T } | undefined> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        return { value: await run() };
      } catch (error) {
        const delay = backoffMs(attempt, 500, 10_000);
        this.logger.warn(`${step} failed (attempt ${attempt}, again in ${delay} ms): ${String(error)}`);
        await sleep(delay);
      }
    }
    return undefined;
  }

  private async connect(): Promise<JobSource> {
    const jsm = await this.nats.jetstreamManager();
    await ensureStreams(jsm, this.nats.replicas);
    const durable = await ensureWorkerConsumer(jsm, this.config.provider, this.config.ackWaitMs);
    const buckets = {
      inflight: await this.nats.bucket(Buckets.inflight(this.config.provider)),
      canceled: await this.nats.bucket(Buckets.canceled, CANCELED_TTL_MS),
      finished: await this.nats.bucket(Buckets.finished(this.config.provider), FINISHED_TTL_MS),
    };
    const pinned = await ensurePinnedConsumer(jsm, this.config.provider, this.config.account, this.config.ackWaitMs);
    const js = await this.nats.jetstream();
    const consumer = await js.consumers.get(Streams.jobs, durable);
    const own = await js.consumers.get(Streams.jobs, pinned);
    this.parts ??= this.assemble(new InflightStore(buckets, this.logger));
    // The account's pinned jobs first in line with the shared ones: whichever arrives first is taken.
    return new MergedSource([own, consumer]);
  }

  private assemble(store: InflightStore): Running {
    const { config, adapter, pacer, account, logger } = this;
    const events = new JobEvents({
      provider: config.provider,
      heartbeatMs: config.heartbeatMs,
      store,
      logger,
      stopping: () => this.stopping,
      publish: async (event, msgID) => {
        const js = await this.nats.jetstream();
        await infra('nats', `publish ${event.status} of ${event.jobId}`, () =>
          js.publish(Subjects.event(config.provider, event.jobId), JSON.stringify(event), { msgID }),
        );
      },
    });
    const results = new ResultStorage(adapter, this.storage, logger, config.maxDownloadConcurrency);
    const timers = schedulerTimers(this.scheduler);
    const poller: Poller = new Poller({
      config,
      adapter,
      store,
      events,
      results,
      account,
      pacer,
      timers,
      logger,
      resubmit: (state) => intake.submit(state),
    });
    // Push news (a provider's websocket) wakes the job's poll; the poller keeps its one-poll and deadline rules.
    adapter.watch?.((providerJobId) => poller.wakeByProviderId(providerJobId));
    const intake: JobIntake = new JobIntake({ config, adapter, store, events, poller, account, pacer, logger });
    const queue = new QueueDeadlines({
      store,
      events,
      logger,
      reader: this.queueReader(),
      account: { name: config.account, usable: () => account.usable() },
    });
    return { store, events, poller, intake, queue };
  }

  /**
   * The provider's job messages in the JOBS stream, read without taking them: the shared ones and those pinned to
   * any of its accounts (an account that is gone has no worker left to end its pinned jobs).
   */
  private queueReader(): QueueReader {
    const subjects = [Subjects.jobsOf(this.config.provider), Subjects.pinnedJobsOf(this.config.provider)];
    const jsm = () => this.nats.jetstreamManager();
    return {
      lastSeq: async () => (await (await jsm()).streams.info(Streams.jobs)).state.last_seq,
      after: async (from, limit) => {
        const manager = await jsm();
        const found: { seq: number; payload: unknown }[] = [];
        for (const subject of subjects) {
          for (let seq = from, taken = 0; taken < limit; taken++) {
            // STREAM.MSG.GET with next_by_subj (nats-server ≥ 2.9); the client's type lists only seq and last_by_subj.
            const query = { seq: seq + 1, next_by_subj: subject } as unknown as MsgRequest;
            const msg = await manager.streams.getMessage(Streams.jobs, query);
            if (!msg) break;
            found.push({ seq: msg.seq, payload: msg.json() });
            seq = msg.seq;
          }
        }
        // The first `limit` of both in stream order: everything up to the last one returned has been seen.
        return found.sort((x, y) => x.seq - y.seq).slice(0, limit);
      },
      at: async (seq) => {
        const msg = await (await jsm()).streams.getMessage(Streams.jobs, { seq });
        return msg ? msg.json() : null;
      },
    };
  }

  private async resume(): Promise<void> {
    const { store, poller } = this.parts!;
    let count = 0;
    for (const jobId of await store.storedIds()) {
      if (store.get(jobId)) continue; // resumed by an earlier attempt
      const state = await store.load(jobId);
      if (!state || state.account !== this.config.account) continue;
      if (await store.hasFinished(jobId)) {
        await store.removeStale(jobId); // ended before a crash removed its state
        continue;
      }
      poller.resume(state);
      count++;
    }
    if (count) this.logger.log(`resumed ${count} in-flight job(s)`);
  }

  /**
   * Reacts to a cancel at once — the job ends and frees its slot — instead of at its next poll. The watch ends with
   * a NATS restart, so it is opened again.
   */
  private async watchCancels(): Promise<void> {
    const { store, poller } = this.parts!;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await store.watchCancels(
          (jobId) => {
            if (store.get(jobId)) poller.schedule(jobId, 0);
          },
          (stop) => (this.stopCancelWatch = stop),
        );
        attempt = 0;
      } catch (error) {
        if (!this.stopping) this.logger.warn(`cancel watch ended: ${String(error)}`);
      }
      if (!this.stopping) await sleep(backoffMs(Math.max(1, attempt), 1000, 10_000));
    }
  }

  private repeat(run: () => void, ms: number): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Answers `<provider>.accounts.<account>.check` (an operator's re-check through the gateway) with the entry. */
  private async answerChecks(): Promise<void> {
    const nc = await this.nats.connection();
    this.checkSubscription = nc.subscribe(Subjects.rpc.accountCheck(this.config.provider, this.config.account), {
      callback: (error, msg) => {
        if (error) return;
        void (async () => {
          await this.adapter.start().catch(() => undefined); // a closed browser comes back for the check
          await this.account.freshCheck().catch(() => undefined);
          await this.registry.beat();
          msg.respond(JSON.stringify({ ...this.accountEntry(), updatedAt: new Date().toISOString() }));
        })();
      },
    });
  }

  /** This account as the pool's registry shows it (the operator's decision and time are added by the registry). */
  private accountEntry(): Omit<AccountEntry, 'disabled' | 'updatedAt'> & { disabled: boolean } {
    const { account } = this.status();
    return {
      ...account,
      provider: this.config.provider,
      worker: this.config.workerId,
      capacity: this.config.maxRunning,
      pool: {
        weight: this.config.weight,
        dailyJobLimit: this.config.dailyJobLimit,
        submittedToday: this.pacer.countToday(),
        workingHours: hoursText(this.config.workingHours),
        offDuty: this.pacer.offDuty(),
      },
      disabled: account.state === 'disabled',
      plan: this.adapter.planFacts?.() ?? null,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.checkSubscription?.unsubscribe();
    this.stopCancelWatch?.();
    for (const timer of this.timers) clearInterval(timer);
    this.parts?.intake.stop();
    this.parts?.poller.stop();
    // Bounded, so the supervisor's SIGKILL never lands before the browser is closed: a pull in progress ends by
    // itself, and in-flight state that cannot reach the KV now is resumed from what it has after a restart.
    await Promise.race([this.loop, sleep(1000)]);
    await Promise.race([this.parts?.store.flush().catch(() => undefined), sleep(500)]);
    await this.adapter.stop().catch(() => undefined);
  }

  status(): StatusReply {
    const held = this.parts?.store.size() ?? 0;
    const submitting = this.parts?.intake.submissions() ?? 0;
    return {
      provider: this.config.provider,
      worker: this.config.workerId,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      account: {
        account: this.config.account,
        state: this.account.state,
        signedIn: this.account.signedIn,
        browser: this.adapter.browserState?.() ?? { connected: false, launchedAt: null, relaunches: 0, pages: 0 },
        running: held - submitting,
        queued: submitting,
        cooldownUntil: this.pacer.coolingDown() ? new Date(this.pacer.cooldownUntil).toISOString() : null,
        lastError: this.account.lastError,
      },
    };
  }

  /** Re-checks the account now (operator fixed cookies, `POST /midjourney/init`). */
  async init(): Promise<StatusReply> {
    await this.adapter.start();
    await this.account.freshCheck();
    return this.status();
  }

  accountState(): AccountState {
    return this.account.state;
  }

  natsConnected(): boolean {
    return this.nats.isConnected();
  }

  /** True while the consume loop runs and reaches NATS: a worker is ready only when it actually takes jobs. */
  consuming(): boolean {
    return this.parts?.intake.consuming() ?? false;
  }

  /** Jobs this worker holds (tests). */
  inflightJobs(): string[] {
    return this.parts?.store.ids() ?? [];
  }
}
