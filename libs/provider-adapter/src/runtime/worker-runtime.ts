import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { KvWatchInclude, type KV } from '@nats-io/kv';
import {
  Buckets,
  JobMessage,
  ProviderException,
  Streams,
  Subjects,
  parsePayload,
  type AccountState,
  type ErrorBody,
  type JobEvent,
  type JobResult,
  type JobStatus,
  type StatusReply,
  type StoredFile,
} from '@app/contracts';
import { NatsService, ensureStreams, ensureWorkerConsumer } from '@app/messaging';
import { ObjectStorage } from '@app/storage';
import {
  PROVIDER_ADAPTERS,
  ProviderAdapter,
  type InflightState,
  type PollOutcome,
  type ResultRef,
  type Submission,
} from '../provider-adapter.js';
import { AccountPacer, backoffMs, nextPollDelay } from './pacing.js';
import { RuntimeConfig } from './runtime.config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL_SEQ = 1_000_000_000; // terminal events emitted without in-flight state always win
const CANCELED_TTL_MS = 7 * 24 * 3600 * 1000;
/** As long as the JOBS stream keeps a message: a redelivery can come no later. */
const FINISHED_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Runs any ProviderAdapter: pulls jobs from the provider's durable JetStream consumer when the account has room,
 * keeps in-flight state in KV (so a restart resumes instead of resubmitting), polls adaptively, stores results
 * and publishes cumulative job events.
 */
@Injectable()
export class WorkerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  readonly adapter: ProviderAdapter;
  readonly pacer: AccountPacer;
  private inflight?: KV;
  private canceled?: KV;
  private finished?: KV;
  private cancelWatch?: { stop(): void };
  private consumer?: Consumer;
  private stopping = false;
  private loop?: Promise<void>;
  private checkTimer?: NodeJS.Timeout;
  private readonly running = new Set<string>();
  private readonly polling = new Set<string>();
  private readonly lastEmitAt = new Map<string, number>();
  private submitting = 0;
  private state: AccountState = 'starting';
  private signedIn = false;
  private lastError: { code: string; message: string; at: string } | null = null;
  private readonly startedAt = Date.now();
  private readyPromise?: Promise<void>;
  private checking?: Promise<void>;

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
  }

  onApplicationBootstrap(): void {
    // Boot in the background: the HTTP health port answers (not ready) while the browser starts.
    this.readyPromise = this.boot().catch((error: unknown) => {
      this.logger.error(`boot failed: ${String(error)}`);
      this.setState('error', this.adapter.classifyError(error));
    });
  }

  /** Resolves when the runtime has booted (tests). */
  whenBooted(): Promise<void> {
    return this.readyPromise ?? Promise.resolve();
  }

  private async boot(): Promise<void> {
    const jsm = await this.nats.jetstreamManager();
    await ensureStreams(jsm);
    const durable = await ensureWorkerConsumer(jsm, this.config.provider, this.config.ackWaitMs);
    this.inflight = await this.nats.bucket(Buckets.inflight(this.config.provider));
    this.canceled = await this.nats.bucket(Buckets.canceled, CANCELED_TTL_MS);
    this.finished = await this.nats.bucket(Buckets.finished(this.config.provider), FINISHED_TTL_MS);
    void this.watchCancels().catch((error: unknown) => this.logger.warn(`cancel watch ended: ${String(error)}`));
    this.consumer = await (await this.nats.jetstream()).consumers.get(Streams.jobs, durable);
    this.checkTimer = setInterval(() => void this.recheckAccount(), this.config.accountCheckIntervalMs);
    this.checkTimer.unref();
    try {
      await this.adapter.start();
      await this.checkAccount();
    } catch (error) {
      this.setState('error', this.adapter.classifyError(error));
    }
    await this.resume();
    this.loop = this.consumeLoop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.cancelWatch?.stop();
    clearInterval(this.checkTimer);
    for (const name of this.scheduler.getTimeouts()) {
      if (name.startsWith('poll:')) this.scheduler.deleteTimeout(name);
    }
    await Promise.race([this.loop, sleep(3000)]);
    await this.adapter.stop().catch(() => undefined);
  }

  // ---------------------------------------------------------------- account

  private setState(state: AccountState, error?: ProviderException): void {
    if (state !== this.state) {
      this.logger.log(`account ${this.state} → ${state}${error ? ` (${error.code}: ${error.message})` : ''}`);
    }
    this.state = state;
    if (error) this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
  }

  /**
   * Single flight: the periodic re-check, `init` and boot may overlap (a slow browser start outlasts the check
   * interval), and two checks navigating the same page would break each other.
   */
  private checkAccount(): Promise<void> {
    this.checking ??= this.runAccountCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** A check that starts after this call: one already running may have looked before the operator fixed things. */
  private async freshAccountCheck(): Promise<void> {
    await this.checking?.catch(() => undefined);
    return this.checkAccount();
  }

  private async runAccountCheck(): Promise<void> {
    const result = await this.adapter.checkAccount(AbortSignal.timeout(90_000));
    this.signedIn = result.signedIn;
    this.setState(
      result.state,
      result.state === 'ready'
        ? undefined
        : new ProviderException(
            result.state === 'challenge' ? 'CHALLENGE' : 'SIGNED_OUT',
            result.detail ?? result.state,
          ),
    );
  }

  private async recheckAccount(): Promise<void> {
    if (this.stopping || this.state === 'ready' || this.state === 'cooling_down') return;
    try {
      await this.adapter.start();
      await this.checkAccount();
    } catch (error) {
      this.setState('error', this.adapter.classifyError(error));
    }
  }

  /** Applies what a provider failure says about the account (PROVIDERS.md §6.3). */
  private onAccountError(error: ProviderException): void {
    if (error.code === 'SIGNED_OUT') {
      this.signedIn = false;
      this.setState('signed_out', error);
    } else if (error.code === 'CHALLENGE') this.setState('challenge', error);
    else if (error.code === 'RATE_LIMITED') {
      this.pacer.onRateLimited(error);
      this.setState('cooling_down', error);
    } else this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
  }

  private accountUsable(): boolean {
    if (this.state === 'cooling_down' && !this.pacer.coolingDown()) this.setState('ready');
    return this.state === 'ready';
  }

  status(): StatusReply {
    return {
      provider: this.config.provider,
      worker: this.config.workerId,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      account: {
        account: this.config.account,
        state: this.state,
        signedIn: this.signedIn,
        browser: this.adapter.browserState?.() ?? { connected: false, launchedAt: null, relaunches: 0, pages: 0 },
        running: this.running.size,
        queued: this.submitting,
        cooldownUntil: this.pacer.coolingDown() ? new Date(this.pacer.cooldownUntil).toISOString() : null,
        lastError: this.lastError,
      },
    };
  }

  /** Re-checks the account now (operator fixed cookies, `POST /midjourney/init`). */
  async init(): Promise<StatusReply> {
    await this.adapter.start();
    await this.freshAccountCheck();
    return this.status();
  }

  accountState(): AccountState {
    return this.state;
  }

  natsConnected(): boolean {
    return this.nats.isConnected();
  }

  // ---------------------------------------------------------------- consuming

  private async consumeLoop(): Promise<void> {
    while (!this.stopping) {
      const wait = this.capacityWaitMs();
      if (wait > 0) {
        await sleep(Math.min(wait, 1000));
        continue;
      }
      let msg: JsMsg | null = null;
      try {
        msg = await this.consumer!.next({ expires: 2000 });
      } catch (error) {
        if (!this.stopping) this.logger.warn(`pull failed: ${String(error)}`);
        await sleep(1000);
        continue;
      }
      if (!msg) continue;
      try {
        await this.handle(msg);
      } catch (error) {
        this.logger.error(`handling a job message failed: ${error instanceof Error ? error.stack : String(error)}`);
        msg.nak(5000);
      }
    }
  }

  /** 0 when this account may take a job now. */
  private capacityWaitMs(): number {
    if (!this.accountUsable()) return 1000;
    if (this.running.size + this.submitting >= this.config.maxRunning) return 250;
    return this.pacer.waitMs();
  }

  private async handle(msg: JsMsg): Promise<void> {
    let job: JobMessage;
    try {
      job = parsePayload(JobMessage, msg.json());
    } catch (error) {
      const jobId = safeJobId(msg);
      msg.term();
      if (jobId) await this.publishTerminal(jobId, 'failed', this.adapter.classifyError(error).toJSON());
      return;
    }
    if (await this.isCanceled(job.jobId)) {
      msg.ack();
      return this.publishTerminal(job.jobId, 'canceled', { code: 'CANCELED', message: 'Canceled by the client' });
    }
    if (Date.parse(job.deadlineAt) <= Date.now()) {
      msg.ack();
      return this.publishTerminal(job.jobId, 'timeout', {
        code: 'PROVIDER_TIMEOUT',
        message: 'The deadline passed before the job could start',
      });
    }
    if (await this.hasFinished(job.jobId)) {
      // Redelivered after the job ended: its first worker died before acking the message, a restarted one resumed the
      // job from the KV and finished it. Submitting now would run it twice.
      msg.ack();
      return;
    }
    const existing = await this.load(job.jobId);
    if (existing) {
      // Redelivery after a crash: the KV already knows the job. Never submit it again.
      msg.ack();
      if (existing.account === this.config.account) this.resumeOne(existing);
      return;
    }
    const now = new Date().toISOString();
    const state: InflightState = {
      job,
      account: this.config.account,
      phase: 'submitting',
      stored: [],
      seq: 0,
      polls: 0,
      pollErrors: 0,
      submittingAt: now,
      updatedAt: now,
    };
    await this.save(state);
    await this.submit(state, msg);
  }

  /** Submits a job whose KV state says 'submitting' (fresh, or reconciled as surely not submitted). */
  private async submit(state: InflightState, msg?: JsMsg): Promise<void> {
    const jobId = state.job.jobId;
    this.submitting++;
    const keepAlive = msg ? setInterval(() => msg.working(), Math.max(1000, this.config.ackWaitMs / 3)) : undefined;
    try {
      if (!msg) {
        // A resubmission: a later reconciliation looks for the job this attempt may create, from now on.
        state.submittingAt = new Date().toISOString();
        await this.save(state);
      }
      const submission = await this.adapter.submit(state.job, AbortSignal.timeout(this.config.submitTimeoutMs));
      this.pacer.onSuccess();
      state.phase = 'submitted';
      state.submission = submission;
      state.submittedAt = new Date().toISOString();
      await this.save(state);
      msg?.ack();
      this.running.add(jobId);
      await this.emit(state, 'processing', 0, submission.queued ? 'queued at the provider' : 'submitted');
      this.schedule(jobId, nextPollDelay(state, undefined, this.config));
    } catch (thrown) {
      const error = this.adapter.classifyError(thrown);
      this.onAccountError(error);
      if (error.details?.outcomeUnknown) {
        // The provider may have accepted it: reconcile, never resubmit blindly.
        msg?.ack();
        this.running.add(jobId);
        this.logger.warn(`submission of ${jobId} has an unknown outcome (${error.message}); reconciling`);
        this.schedule(jobId, 1000);
        return;
      }
      const deliveries = msg?.info.deliveryCount ?? this.config.maxDeliveries;
      const deadlineLeft = Date.parse(state.job.deadlineAt) - Date.now();
      if (!msg) return this.retryWithoutMessage(state, error, deadlineLeft);
      if (error.details?.waitInQueue && msg) {
        // The account is full at the provider (in-flight limit): the job waits in the queue, not counted as a failure.
        const wait = Math.max(Number(error.details.retryAfterMs ?? 0), this.config.queueWaitMs);
        if (deadlineLeft > wait + 5000) {
          this.pacer.hold(wait);
          await this.inflight!.delete(jobId);
          msg.nak(wait);
          this.logger.log(`${jobId} waits in the queue for ${wait} ms: ${error.message}`);
          return;
        }
      }
      const delay = Math.max(backoffMs(deliveries, 2000), this.pacer.waitMs());
      if (error.retriable && deliveries < this.config.maxDeliveries && deadlineLeft > delay + 5000 && msg) {
        await this.inflight!.delete(jobId); // surely not accepted: a later delivery starts afresh
        msg.nak(delay);
        this.logger.warn(`retrying ${jobId} in ${delay} ms after ${error.code}`);
        return;
      }
      await this.finish(state, 'failed', error.toJSON());
      msg?.ack();
    } finally {
      clearInterval(keepAlive);
      this.submitting--;
      this.pacer.onSubmitted();
    }
  }

  /**
   * A resubmission after reconciliation (its message was acked long ago) refused for now: 429, queue full, a clear
   * 5xx. It stays 'submitting', so the retry goes through reconciliation again and can never double-submit.
   */
  private async retryWithoutMessage(state: InflightState, error: ProviderException, deadlineLeft: number) {
    const jobId = state.job.jobId;
    const attempts = (state.submitAttempts ?? 0) + 1;
    const queueWait = error.details?.waitInQueue
      ? Math.max(Number(error.details.retryAfterMs ?? 0), this.config.queueWaitMs)
      : 0;
    const delay = Math.max(backoffMs(attempts, 2000), this.pacer.waitMs(), queueWait);
    const mayRetry = error.details?.waitInQueue || attempts < this.config.maxDeliveries;
    if (error.retriable && mayRetry && deadlineLeft > delay + 5000) {
      if (queueWait) this.pacer.hold(queueWait);
      state.submitAttempts = attempts;
      await this.save(state);
      this.running.add(jobId);
      this.logger.warn(`resubmitting ${jobId} in ${delay} ms after ${error.code}`);
      this.schedule(jobId, delay);
      return;
    }
    await this.finish(state, 'failed', error.toJSON());
  }

  // ---------------------------------------------------------------- resuming

  private async resume(): Promise<void> {
    let count = 0;
    for await (const key of await this.inflight!.keys()) {
      const state = await this.load(key);
      if (!state || state.account !== this.config.account) continue;
      if (await this.hasFinished(key)) {
        await this.inflight!.delete(key); // ended before a crash removed its state
        continue;
      }
      this.resumeOne(state);
      count++;
    }
    if (count) this.logger.log(`resumed ${count} in-flight job(s)`);
  }

  private resumeOne(state: InflightState): void {
    this.running.add(state.job.jobId);
    this.schedule(state.job.jobId, state.phase === 'submitted' ? 0 : 500);
  }

  /** After a crash during 'submitting': ask the provider's job list, or fail rather than submit twice. */
  private async reconcile(state: InflightState): Promise<void> {
    if (!this.adapter.findSubmission) {
      return this.finish(state, 'failed', {
        code: 'SUBMISSION_UNKNOWN',
        message: 'The worker stopped while submitting and the provider offers no job list to check; not resubmitted',
      });
    }
    const jobId = state.job.jobId;
    let found: Submission | null;
    try {
      found = await this.adapter.findSubmission(state, AbortSignal.timeout(60_000));
    } catch (thrown) {
      // The provider cannot tell yet (a new job not listed yet, a failed call): ask again, until the deadline.
      const error = this.adapter.classifyError(thrown);
      if (error.code !== 'SUBMISSION_UNKNOWN') this.onAccountError(error);
      state.pollErrors++;
      await this.save(state);
      const retryAfter = Number(error.details?.retryAfterMs ?? 0);
      this.schedule(jobId, Math.max(retryAfter, backoffMs(state.pollErrors, 1000, 30_000)));
      return;
    }
    if (found === null) {
      // Surely not submitted: submit now, unless the account must wait (pacing, a cooldown after a 429).
      const wait = this.accountUsable() ? this.pacer.waitMs() : 1000;
      if (wait > 0) {
        this.schedule(jobId, wait);
        return;
      }
      this.logger.log(`${jobId} was not submitted (crash or lost answer); submitting now`);
      state.pollErrors = 0;
      this.running.delete(jobId);
      return this.submit(state);
    }
    state.phase = 'submitted';
    state.submission = found;
    state.submittedAt ??= state.submittingAt ?? new Date().toISOString();
    await this.save(state);
    await this.emit(state, 'processing', 0, 'found in the provider’s job list (the submission outcome was unknown)');
    this.schedule(state.job.jobId, nextPollDelay(state, undefined, this.config));
  }

  // ---------------------------------------------------------------- polling

  private schedule(jobId: string, delayMs: number): void {
    if (this.stopping) return;
    const name = `poll:${jobId}`;
    if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
    this.scheduler.addTimeout(
      name,
      setTimeout(() => {
        if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
        void this.pollOnce(jobId);
      }, delayMs),
    );
  }

  /** One poll of one job; exported for tests through `pollNow`. */
  private async pollOnce(jobId: string): Promise<void> {
    if (this.polling.has(jobId) || this.stopping) return;
    this.polling.add(jobId);
    let state: InflightState | null = null;
    try {
      state = await this.load(jobId);
      if (!state) {
        this.running.delete(jobId);
        return;
      }
      if (await this.isCanceled(jobId)) {
        return await this.finish(state, 'canceled', { code: 'CANCELED', message: 'Canceled by the client' });
      }
      if (Date.parse(state.job.deadlineAt) <= Date.now()) return await this.finishAtDeadline(state);
      if (state.phase === 'submitting') return await this.reconcile(state);

      let outcome: PollOutcome;
      try {
        outcome = await this.adapter.poll(state, AbortSignal.timeout(60_000));
        state.pollErrors = 0;
      } catch (thrown) {
        const error = this.adapter.classifyError(thrown);
        this.onAccountError(error);
        state.pollErrors++;
        state.polls++;
        await this.save(state);
        await this.heartbeat(state);
        this.schedule(jobId, backoffMs(state.pollErrors, 1000, 30_000));
        return;
      }
      state.polls++;
      // Result fields are cumulative: only a change is news (an answer streaming in), not every poll's copy.
      const before = JSON.stringify(state.extra ?? {});
      if (outcome.result) state.extra = { ...state.extra, ...outcome.result };
      const resultChanged = JSON.stringify(state.extra ?? {}) !== before;
      if (outcome.expectedCount !== undefined && state.submission) {
        state.submission.expectedCount = outcome.expectedCount;
      }
      if (outcome.state === 'failed') {
        const error = outcome.error ?? new ProviderException('PROVIDER_ERROR', 'The provider failed the job');
        this.onAccountError(error); // a rate limit or a lost session seen mid-job says as much about the account
        return await this.finish(state, 'failed', error.toJSON());
      }
      const storedBefore = state.stored.length;
      await this.downloadReady(state, outcome.ready);
      const expected = state.submission?.expectedCount ?? 1;
      // No files expected (a caption, a text answer): done when the provider says so.
      if (state.stored.length >= expected && (expected > 0 || outcome.state === 'completed')) {
        return await this.finish(state, 'completed');
      }

      const elapsed = Date.now() - Date.parse(state.submittedAt ?? state.updatedAt);
      if (elapsed >= (state.submission?.expectedDurationMs ?? 0) || outcome.state === 'completed') {
        state.overduePolls = (state.overduePolls ?? 0) + 1;
      }
      const progress = Math.min(
        99,
        Math.max(outcome.progress ?? 0, expected > 0 ? Math.floor((100 * state.stored.length) / expected) : 0),
      );
      if (state.stored.length !== storedBefore || progress !== this.lastProgress(state) || resultChanged) {
        await this.emit(state, 'processing', progress);
      } else {
        await this.save(state);
        await this.heartbeat(state);
      }
      this.schedule(jobId, nextPollDelay(state, outcome, this.config));
    } catch (error) {
      this.logger.error(`poll of ${jobId} failed: ${error instanceof Error ? error.stack : String(error)}`);
      if (state) this.schedule(jobId, backoffMs((state.pollErrors ?? 0) + 1, 1000, 30_000));
    } finally {
      this.polling.delete(jobId);
    }
  }

  private progressOf = new Map<string, number>();
  private lastProgress(state: InflightState): number | undefined {
    return this.progressOf.get(state.job.jobId);
  }

  /** Downloads what is ready and not stored yet, in parallel (bounded); a failed file is retried next poll. */
  private async downloadReady(state: InflightState, refs: ResultRef[]): Promise<void> {
    const key = (kind: string, index: number) => `${kind}:${index}`;
    const have = new Set(state.stored.map((f) => key(f.contentType.startsWith('video/') ? 'video' : 'image', f.index)));
    const todo = refs.filter((ref) => !have.has(key(ref.kind, ref.index)));
    const queue = [...todo];
    const worker = async () => {
      for (let ref = queue.shift(); ref; ref = queue.shift()) {
        try {
          const file = await this.adapter.download(state, ref, AbortSignal.timeout(120_000));
          if (!file) continue; // not there yet
          const target = this.adapter.storageTarget(state, ref, file);
          const stored = await this.storage.put(target.bucket, target.path, file.bytes, {
            contentType: file.contentType,
          });
          const entry: StoredFile = {
            index: ref.index,
            url: stored.url,
            bucket: stored.bucket,
            path: stored.path,
            contentType: file.contentType,
            size: stored.size,
            ...(file.width ? { width: file.width } : {}),
            ...(file.height ? { height: file.height } : {}),
            sourceUrl: ref.url,
          };
          state.stored.push(entry);
        } catch (thrown) {
          const error = this.adapter.classifyError(thrown);
          this.logger.warn(`download of ${state.job.jobId} #${ref.index} failed (${error.code}): ${error.message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.maxDownloadConcurrency, todo.length) }, worker));
    state.stored.sort((a, b) => a.index - b.index);
  }

  private async finishAtDeadline(state: InflightState): Promise<void> {
    const count = state.stored.length;
    const expected = state.submission?.expectedCount ?? 0;
    const partialText = typeof state.extra?.text === 'string' && state.extra.text.length > 0;
    return this.finish(state, 'timeout', {
      code: 'PROVIDER_TIMEOUT',
      message: count
        ? `Deadline passed with ${count} of ${expected} files stored`
        : partialText
          ? 'Deadline passed before the answer finished; the partial text is kept'
          : 'Deadline passed before any result was ready',
    });
  }

  // ---------------------------------------------------------------- events and state

  private result(state: InflightState, status: JobStatus): JobResult {
    const submission = state.submission;
    const expected = submission?.expectedCount;
    const partialText = typeof state.extra?.text === 'string' && state.extra.text.length > 0;
    return {
      ...submission?.result,
      ...state.extra,
      images: state.stored.filter((f) => !f.contentType.startsWith('video/')),
      ...(submission?.kind === 'video'
        ? { videos: state.stored.filter((f) => f.contentType.startsWith('video/')) }
        : {}),
      ...(submission
        ? {
            providerJobId: submission.providerJobId,
            submittedPrompt: submission.submittedPrompt,
            providerPrompt: submission.providerPrompt,
            expectedCount: expected,
          }
        : {}),
      ...(status === 'timeout' && (state.stored.length > 0 || partialText) ? { partial: true } : {}),
    };
  }

  private async emit(
    state: InflightState,
    status: JobStatus,
    progress: number,
    note?: string,
    error?: ErrorBody,
  ): Promise<void> {
    state.seq++;
    await this.save(state);
    this.progressOf.set(state.job.jobId, progress);
    this.lastEmitAt.set(state.job.jobId, Date.now());
    await this.publish({
      jobId: state.job.jobId,
      provider: this.config.provider,
      seq: state.seq,
      status,
      at: new Date().toISOString(),
      progress,
      result: this.result(state, status),
      ...(error ? { error } : {}),
      ...(note ? { note } : {}),
    });
  }

  private async heartbeat(state: InflightState): Promise<void> {
    const last = this.lastEmitAt.get(state.job.jobId) ?? 0;
    if (Date.now() - last >= this.config.heartbeatMs) {
      await this.emit(state, 'processing', this.lastProgress(state) ?? 0);
    }
  }

  /** Terminal event first (retried until JetStream has it), then the KV entry goes. */
  private async finish(
    state: InflightState,
    status: 'completed' | 'failed' | 'timeout' | 'canceled',
    error?: ErrorBody,
  ): Promise<void> {
    const jobId = state.job.jobId;
    await this.emit(state, status, status === 'completed' ? 100 : (this.lastProgress(state) ?? 0), undefined, error);
    await this.finished!.put(jobId, JSON.stringify({ status, at: new Date().toISOString() }));
    await this.inflight!.delete(jobId);
    this.running.delete(jobId);
    await this.adapter
      .release?.(jobId)
      .catch((e: unknown) => this.logger.warn(`releasing ${jobId} failed: ${String(e)}`));
    this.lastEmitAt.delete(jobId);
    this.progressOf.delete(jobId);
    const name = `poll:${jobId}`;
    if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
    if (status === 'failed') this.logger.warn(`job ${jobId} failed: ${error?.code} ${error?.message}`);
  }

  private async publishTerminal(jobId: string, status: JobStatus, error: ErrorBody): Promise<void> {
    await this.publish({
      jobId,
      provider: this.config.provider,
      seq: TERMINAL_SEQ,
      status,
      at: new Date().toISOString(),
      error,
    });
  }

  private async publish(event: JobEvent): Promise<void> {
    const js = await this.nats.jetstream();
    const payload = JSON.stringify(event);
    for (let attempt = 1; ; attempt++) {
      try {
        await js.publish(Subjects.event(this.config.provider, event.jobId), payload, {
          msgID: `${event.jobId}:${event.seq}:${event.status}`,
        });
        return;
      } catch (error) {
        // A NATS outage must not lose a terminal event: keep trying (the KV entry stays until this succeeds).
        if (this.stopping && attempt > 3) throw error;
        this.logger.warn(`publishing event for ${event.jobId} failed (attempt ${attempt}): ${String(error)}`);
        await sleep(backoffMs(attempt, 500, 10_000));
      }
    }
  }

  private async load(jobId: string): Promise<InflightState | null> {
    const entry = await this.inflight!.get(jobId);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return null;
    return entry.json<InflightState>();
  }

  private async save(state: InflightState): Promise<void> {
    state.updatedAt = new Date().toISOString();
    await this.inflight!.put(state.job.jobId, JSON.stringify(state));
  }

  /**
   * Reacts to a cancel at once — the job ends and frees its running slot — instead of at its next poll, which can be
   * up to a heartbeat away. The poll checks the marker first, so polling now is all it takes.
   */
  private async watchCancels(): Promise<void> {
    const updates = await this.canceled!.watch({ include: KvWatchInclude.UpdatesOnly });
    this.cancelWatch = updates;
    for await (const entry of updates) {
      if (this.stopping) break;
      if (entry.operation === 'PUT' && this.running.has(entry.key)) this.schedule(entry.key, 0);
    }
  }

  private async hasFinished(jobId: string): Promise<boolean> {
    const entry = await this.finished!.get(jobId);
    return !!entry && entry.operation === 'PUT' && entry.length > 0;
  }

  private async isCanceled(jobId: string): Promise<boolean> {
    const entry = await this.canceled!.get(jobId);
    return !!entry && entry.operation === 'PUT' && entry.length > 0;
  }

  /** Test hook: in-flight job ids of this worker. */
  inflightJobs(): string[] {
    return [...this.running];
  }
}

function safeJobId(msg: JsMsg): string | undefined {
  try {
    const id = msg.json<{ jobId?: unknown }>().jobId;
    return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
