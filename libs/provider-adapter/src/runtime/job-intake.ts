import { withLogFields } from '@app/logging';
import type { Logger } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { JobMessage, parsePayload, type ProviderException } from '@app/contracts';
import type { InflightState, ProviderAdapter, Submission } from '../provider-adapter.js';
import type { AccountMonitor } from './account-monitor.js';
import { InfrastructureError } from './infra.js';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';
import type { AccountPacer } from './pacing.js';
import type { Poller } from './poller.js';
import type { RuntimeConfig } from './runtime.config.js';
import { decide } from './submit-policy.js';

/** The message operations the intake uses (a JetStream message, or a stand-in in unit tests). */
export type JobMsg = Pick<JsMsg, 'ack' | 'nak' | 'term' | 'working' | 'json'> & { info: { deliveryCount: number } };

/** The durable pull consumer of the provider's jobs. */
export interface JobSource {
  next(options: { expires: number }): Promise<JobMsg | null>;
  /** Gives back what was pulled but not handed out (the consume loop ends). */
  close?(): void;
}

export interface JobIntakeParts {
  config: RuntimeConfig;
  adapter: ProviderAdapter;
  store: InflightStore;
  events: JobEvents;
  poller: Poller;
  account: AccountMonitor;
  pacer: AccountPacer;
  logger: Pick<Logger, 'log' | 'warn' | 'error'>;
  wait?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Several pull consumers read as one (the shared one of the provider and the account's pinned one): one pull per
 * source stays open, and `next` answers with whichever brings a message first. A message that arrives while the
 * intake waits for room is kept for the next call (unacked: a redelivery meanwhile is refused by the KV claim).
 */
export class MergedSource implements JobSource {
  private readonly pending = new Map<JobSource, Promise<JobMsg | null>>();

  constructor(private readonly sources: JobSource[]) {}

  async next(options: { expires: number }): Promise<JobMsg | null> {
    for (const source of this.sources) {
      if (!this.pending.has(source)) {
        const pull = source.next(options);
        pull.catch(() => undefined); // raced below; a rejection left unraced must not go unhandled
        this.pending.set(source, pull);
      }
    }
    const [source, outcome] = await Promise.race(
      [...this.pending].map(([source, pull]) =>
        pull.then(
          (msg) => [source, { msg }] as const,
          (error: unknown) => [source, { error }] as const,
        ),
      ),
    );
    this.pending.delete(source);
    if ('error' in outcome) throw outcome.error;
    return outcome.msg;
  }

  /** A message still arriving on an open pull goes back at once instead of after the ack wait. */
  close(): void {
    for (const pull of this.pending.values()) {
      pull.then(
        (msg) => msg?.nak(),
        () => undefined,
      );
    }
    this.pending.clear();
  }
}

/** A retry is worth it only with this much time left after its delay. */
const RETRY_MARGIN_MS = 5000;
/** A redelivered or unreadable message comes back after this (NATS or the KV is down, or the ack is pending). */
const INFRA_RETRY_MS = 2000;

/**
 * Takes jobs from the provider's durable consumer while the account has room, and submits each exactly once:
 * the KV records 'submitting' before the provider sees the job, only the provider's own answer is classified,
 * and once the provider accepted the job nothing leads to a second submission.
 */
export class JobIntake {
  private submitting = 0;
  private pulling = false;
  private stopped = false;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly parts: JobIntakeParts) {
    this.wait = parts.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = parts.now ?? Date.now;
  }

  /** Jobs being submitted right now. */
  submissions(): number {
    return this.submitting;
  }

  /** True while the loop runs and its last pull reached NATS: readiness. */
  consuming(): boolean {
    return this.pulling && !this.stopped;
  }

  stop(): void {
    this.stopped = true;
  }

  async consume(source: JobSource): Promise<void> {
    this.pulling = true;
    try {
      while (!this.stopped) {
        const wait = this.capacityWaitMs();
        if (wait > 0) {
          await this.wait(Math.min(wait, 1000));
          continue;
        }
        // Of the accounts with room, the least busy pulls first (the JetStream consumer serves pulls in order).
        const stagger = this.parts.pacer.staggerMs(this.parts.store.size());
        if (stagger > 0) await this.wait(stagger);
        let msg: JobMsg | null;
        try {
          msg = await source.next({ expires: 2000 });
          this.pulling = true;
        } catch (error) {
          if (this.stopped) break;
          if (this.pulling) this.parts.logger.warn(`pull failed: ${String(error)}`);
          this.pulling = false;
          await this.wait(1000);
          continue;
        }
        if (!msg) continue;
        try {
          // Every line logged while taking this job (adapter included) carries its id, provider and account.
          const fields = {
            jobId: safeJobId(msg),
            provider: this.parts.config.provider,
            account: this.parts.config.account,
          };
          const taken = msg;
          await withLogFields(fields, () => this.handle(taken));
        } catch (error) {
          this.parts.logger.error(
            `handling a job message failed: ${error instanceof Error ? error.stack : String(error)}`,
          );
          msg.nak(5000);
        }
      }
    } finally {
      this.pulling = false;
      source.close?.();
    }
  }

  /** 0 when this account may take a job now. */
  capacityWaitMs(): number {
    if (!this.parts.account.usable()) return 1000;
    if (this.parts.pacer.offDuty()) return 1000;
    if (this.parts.store.size() >= this.parts.config.maxRunning) return 250;
    return this.parts.pacer.waitMs();
  }

  async handle(msg: JobMsg): Promise<void> {
    const { store, events, poller, config } = this.parts;
    let job: JobMessage;
    try {
      job = parsePayload(JobMessage, msg.json());
    } catch (error) {
      const jobId = safeJobId(msg);
      msg.term();
      if (jobId) await events.refused(jobId, 'failed', this.parts.adapter.classifyError(error).toJSON());
      return;
    }
    const jobId = job.jobId;
    if (store.get(jobId)) {
      // Redelivered while this worker runs the job (its ack was lost, or held until the KV had the state).
      if (store.isDurable(jobId)) msg.ack();
      else msg.nak(INFRA_RETRY_MS);
      return;
    }
    try {
      if (await store.isCanceled(jobId)) {
        msg.ack();
        return await events.refused(jobId, 'canceled', { code: 'CANCELED', message: 'Canceled by the client' });
      }
      if (Date.parse(job.deadlineAt) <= this.now()) {
        msg.ack();
        return await events.refused(jobId, 'timeout', {
          code: 'QUEUE_TIMEOUT',
          message: job.account
            ? `The deadline passed while the job waited for its account ${job.account} to have room; never submitted`
            : 'The deadline passed while the job waited for an account with room; never submitted',
        });
      }
      if (await store.hasFinished(jobId)) {
        // Redelivered after the job ended: its first worker died before acking, a restarted one finished it.
        msg.ack();
        return;
      }
      const existing = await store.load(jobId);
      if (existing) {
        // Redelivery after a crash: the KV already knows the job. Never submit it again.
        msg.ack();
        if (existing.account === config.account) poller.resume(existing);
        return;
      }
    } catch (error) {
      if (!(error instanceof InfrastructureError)) throw error;
      // Cannot tell whether the job ran already: never submit blind, take it again later.
      this.parts.logger.warn(`${jobId} put back: ${error.message}`);
      msg.nak(INFRA_RETRY_MS);
      return;
    }
    if (!this.parts.account.usable() || this.parts.pacer.offDuty()) {
      // The account was disabled, signed out or sent to cool down while the pull waited: another account (or
      // this one, later) takes the job.
      msg.nak(INFRA_RETRY_MS);
      return;
    }
    const now = new Date(this.now()).toISOString();
    const state: InflightState = {
      job,
      account: config.account,
      phase: 'submitting',
      stored: [],
      seq: 0,
      polls: 0,
      pollErrors: 0,
      submittingAt: now,
      updatedAt: now,
    };
    try {
      if (!(await store.claim(state))) {
        msg.ack(); // another account's worker claimed this job first: it runs it
        return;
      }
    } catch (error) {
      if (!(error instanceof InfrastructureError)) throw error;
      this.parts.logger.warn(`${jobId} not submitted while the KV is down: ${error.message}`);
      msg.nak(INFRA_RETRY_MS);
      return;
    }
    await this.submit(state, msg);
  }

  /**
   * Submits a job this worker holds in the 'submitting' phase: a fresh message (claimed in the KV), or a job
   * reconciliation found surely not submitted (then without a message: it was acked long ago, and a refusal goes
   * through reconciliation again).
   */
  async submit(state: InflightState, msg?: JobMsg): Promise<void> {
    const { adapter, store, events, poller, pacer, logger } = this.parts;
    const jobId = state.job.jobId;
    this.submitting++;
    const keepAlive = msg ? this.keepAlive(msg) : undefined;
    let ackOnDurable = false;
    try {
      // The KV records the attempt before the provider sees anything: a crash from here on is reconciled.
      if (!msg) {
        state.submittingAt = new Date(this.now()).toISOString();
        try {
          await store.persist(state);
        } catch (error) {
          if (!(error instanceof InfrastructureError)) throw error;
          logger.warn(`${jobId} not resubmitted while the KV is down: ${error.message}`);
          poller.schedule(jobId, INFRA_RETRY_MS);
          return;
        }
      }

      let submission: Submission;
      try {
        submission = await adapter.submit(state.job, this.submitSignal(state));
      } catch (thrown) {
        return await this.refused(state, adapter.classifyError(thrown), msg);
      }

      // Accepted. From here on only our infrastructure can fail, and nothing may lead to a second submission: the
      // state lives in memory, reaches the KV when it can, and the message is acked once the KV has it.
      pacer.onSuccess();
      state.phase = 'submitted';
      state.submission = submission;
      state.submittedAt = new Date(this.now()).toISOString();
      if (msg) {
        ackOnDurable = true;
        await store.save(state, () => {
          clearInterval(keepAlive);
          msg.ack();
        });
      } else await store.save(state);
      await events.emit(state, 'processing', 0, submission.queued ? 'queued at the provider' : 'submitted');
      poller.scheduleNext(state);
    } finally {
      if (!ackOnDurable || store.isDurable(jobId)) clearInterval(keepAlive);
      this.submitting--;
      pacer.onSubmitted(this.now());
    }
  }

  /** Carries out what the submit policy decides about a provider's refusal. */
  private async refused(state: InflightState, error: ProviderException, msg?: JobMsg): Promise<void> {
    const { store, poller, account, pacer, config, logger } = this.parts;
    const jobId = state.job.jobId;
    account.onError(error);
    const attempt = msg ? msg.info.deliveryCount : (state.submitAttempts ?? 0) + 1;
    const decision = decide(error, {
      attempt,
      maxAttempts: config.maxDeliveries,
      deadlineLeftMs: Date.parse(state.job.deadlineAt) - this.now(),
      pacingWaitMs: pacer.waitMs(this.now()),
      queueWaitMs: config.queueWaitMs,
      marginMs: RETRY_MARGIN_MS,
    });
    switch (decision.action) {
      case 'reconcile':
        // The KV says 'submitting' already: a crash from here on reconciles too, so the message may go.
        logger.warn(`submission of ${jobId} has an unknown outcome (${error.message}); reconciling`);
        msg?.ack();
        return poller.schedule(jobId, 1000);
      case 'wait-in-queue':
      case 'retry': {
        if (decision.action === 'wait-in-queue') {
          pacer.hold(decision.delayMs, this.now());
          logger.log(`${jobId} waits in the queue for ${decision.delayMs} ms: ${error.message}`);
        } else logger.warn(`retrying ${jobId} in ${decision.delayMs} ms after ${error.code}`);
        if (msg) {
          // Surely not accepted: a later delivery starts afresh. Should the KV not take the removal, the
          // redelivery finds 'submitting' and reconciles instead: slower, never twice.
          await store.discard(jobId).catch((e: unknown) => logger.warn(`forgetting ${jobId} failed: ${String(e)}`));
          msg.nak(decision.delayMs);
        } else {
          if (decision.action === 'retry') state.submitAttempts = attempt;
          await store.save(state);
          poller.schedule(jobId, decision.delayMs);
        }
        return;
      }
      case 'queue-timeout':
        await poller.finish(state, 'timeout', {
          code: 'QUEUE_TIMEOUT',
          message: `The deadline came while the account was full at the provider (${error.message}); never submitted`,
        });
        msg?.ack();
        return;
      case 'fail':
        await poller.finish(state, 'failed', error.toJSON());
        msg?.ack();
        return;
    }
  }

  /** The submit's own timeout, and never past the job's deadline. */
  private submitSignal(state: InflightState): AbortSignal {
    const left = Date.parse(state.job.deadlineAt) - this.now();
    return AbortSignal.timeout(Math.max(1, Math.min(this.parts.config.submitTimeoutMs, left)));
  }

  /** Tells JetStream the message is still being worked on, so it is not redelivered mid-submit. */
  private keepAlive(msg: JobMsg): NodeJS.Timeout {
    const timer = setInterval(
      () => {
        try {
          msg.working();
        } catch {
          // NATS is down: the redelivery that may follow finds the job held here or in the KV.
        }
      },
      Math.max(1000, this.parts.config.ackWaitMs / 3),
    );
    timer.unref();
    return timer;
  }
}

function safeJobId(msg: JobMsg): string | undefined {
  try {
    const id = msg.json<{ jobId?: unknown }>().jobId;
    return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
