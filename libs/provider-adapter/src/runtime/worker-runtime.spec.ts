import { SchedulerRegistry } from '@nestjs/schedule';
import { JetStreamApiError } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Buckets, ProviderException, Subjects, type JobEvent, type JobMessage } from '@app/contracts';
import type { NatsService } from '@app/messaging';
import type { ObjectStorage, PutOptions } from '@app/storage';
import {
  ProviderAdapter,
  type InflightState,
  type PollOutcome,
  type ResultRef,
  type Submission,
} from '../provider-adapter.js';
import { RuntimeConfig } from './runtime.config.js';
import { WorkerRuntime } from './worker-runtime.js';
import { strictMock, type StrictMock } from '../../../../test/strict-mock.js';

// The runtime against small in-memory stand-ins for JetStream (consumer, messages, KV buckets, publish), storage and
// a strict adapter: every behaviour the providers rely on, with real timers kept short by the config.

type Entry = { operation: 'PUT' | 'DEL'; length: number; json<T>(): T };

/** A KV bucket: get/put/delete/keys, and a watch that sees later puts. */
/** What the NATS client throws when the server does not answer (the error the old runtime took for the provider's). */
const natsTimeout = () => Object.assign(new Error('TIMEOUT'), { name: 'TimeoutError' });

class FakeKv {
  readonly data = new Map<string, string>();
  private watchers: Array<(key: string) => void> = [];
  /** While true every call fails as during a NATS outage. */
  down = false;
  /** While true only writes fail. */
  putsDown = false;
  calls = 0;

  get(key: string): Promise<Entry | null> {
    this.calls++;
    if (this.down) return Promise.reject(natsTimeout());
    const value = this.data.get(key);
    if (value === undefined) return Promise.resolve(null);
    return Promise.resolve({ operation: 'PUT', length: value.length, json: <T>() => JSON.parse(value) as T });
  }

  put(key: string, value: string): Promise<number> {
    this.calls++;
    if (this.down || this.putsDown) return Promise.reject(natsTimeout());
    this.data.set(key, value);
    for (const watcher of this.watchers) watcher(key);
    return Promise.resolve(1);
  }

  create(key: string, value: string): Promise<number> {
    this.calls++;
    if (this.down || this.putsDown) return Promise.reject(natsTimeout());
    if (this.data.has(key)) {
      return Promise.reject(new JetStreamApiError({ code: 400, err_code: 10071, description: 'wrong last sequence' }));
    }
    return this.put(key, value);
  }

  delete(key: string): Promise<void> {
    this.calls++;
    if (this.down) return Promise.reject(natsTimeout());
    this.data.delete(key);
    return Promise.resolve();
  }

  keys(): Promise<AsyncIterable<string>> {
    if (this.down) return Promise.reject(natsTimeout());
    const keys = [...this.data.keys()];
    return Promise.resolve(
      (async function* () {
        yield* keys;
      })(),
    );
  }

  watch(): Promise<AsyncIterable<{ key: string; operation: string }> & { stop(): void }> {
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let stopped = false;
    const watcher = (key: string) => {
      queue.push(key);
      wake?.();
    };
    this.watchers.push(watcher);
    const drop = () => (this.watchers = this.watchers.filter((w) => w !== watcher));
    return Promise.resolve({
      stop: () => {
        stopped = true;
        drop();
        wake?.();
      },
      async *[Symbol.asyncIterator]() {
        while (!stopped) {
          const key = queue.shift();
          if (key !== undefined) yield { key, operation: 'PUT' };
          else await new Promise<void>((r) => (wake = r));
        }
      },
    });
  }

  state(key: string): InflightState | undefined {
    const value = this.data.get(key);
    return value === undefined ? undefined : (JSON.parse(value) as InflightState);
  }
}

/** A JetStream message as the runtime sees it; records what the runtime did with it. */
class FakeMsg {
  readonly acks: string[] = [];
  readonly naks: number[] = [];
  constructor(
    private readonly payload: unknown,
    readonly info = { deliveryCount: 1 },
  ) {}
  json<T>(): T {
    return this.payload as T;
  }
  ack = () => void this.acks.push('ack');
  term = () => void this.acks.push('term');
  nak = (delay = 0) => void this.naks.push(delay);
  working = () => undefined;
}

/** The durable pull consumer: hands out queued messages, or nothing after a short wait. */
class FakeConsumer {
  private readonly queue: FakeMsg[] = [];
  pulls = 0;
  push(msg: FakeMsg): FakeMsg {
    this.queue.push(msg);
    return msg;
  }
  async next(): Promise<FakeMsg | null> {
    this.pulls++;
    const msg = this.queue.shift();
    if (msg) return msg;
    await new Promise((r) => setTimeout(r, 10));
    return null;
  }
}

class FakeNats {
  readonly inflight = new FakeKv();
  readonly canceled = new FakeKv();
  readonly finished = new FakeKv();
  /** The pool's registry and the operator's decisions. */
  readonly accounts = new FakeKv();
  readonly controls = new FakeKv();
  /** Core NATS subjects the runtime subscribed to. */
  readonly subscribed: string[] = [];
  readonly consumer = new FakeConsumer();
  readonly events: JobEvent[] = [];
  readonly subjects: string[] = [];
  readonly msgIds = new Set<string>();
  // ensureStreams / ensureWorkerConsumer run for real against a manager that knows every stream and consumer.
  private readonly jsm = {
    streams: { info: () => Promise.resolve({}), update: () => Promise.resolve({}) },
    consumers: { info: () => Promise.resolve({}), update: () => Promise.resolve({}) },
  };
  /** Connection attempts that fail before NATS answers (a worker started during an outage). */
  refuseConnects = 0;
  connects = 0;
  jetstreamManager = () => {
    this.connects++;
    if (this.refuseConnects-- > 0) return Promise.reject(new Error('CONNECTION_REFUSED'));
    return Promise.resolve(this.jsm);
  };
  /** While true publishing fails as during a NATS outage. */
  publishDown = false;
  bucket = (name: string) => {
    const buckets: Record<string, FakeKv> = {
      [Buckets.canceled]: this.canceled,
      [Buckets.finished('midjourney')]: this.finished,
      [Buckets.inflight('midjourney')]: this.inflight,
      [Buckets.accounts]: this.accounts,
      [Buckets.accountControls]: this.controls,
    };
    const bucket = buckets[name];
    return bucket ? Promise.resolve(bucket) : Promise.reject(new Error(`unexpected bucket ${name}`));
  };
  connection = () =>
    Promise.resolve({
      subscribe: (subject: string) => {
        this.subscribed.push(subject);
        return { unsubscribe: () => undefined };
      },
    });
  isConnected = () => true;
  jetstream = () =>
    Promise.resolve({
      consumers: { get: () => Promise.resolve(this.consumer) },
      publish: (subject: string, payload: string, opts: { msgID: string }) => {
        if (this.publishDown) return Promise.reject(natsTimeout());
        this.subjects.push(subject);
        // JetStream drops a repeated message id inside its duplicate window.
        if (!this.msgIds.has(opts.msgID)) this.events.push(JSON.parse(payload) as JobEvent);
        this.msgIds.add(opts.msgID);
        return Promise.resolve({ seq: this.events.length });
      },
    });

  of(jobId: string): JobEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }
  last(jobId: string): JobEvent | undefined {
    return this.of(jobId).at(-1);
  }
}

class FakeStorage {
  readonly puts: { bucket: string; path: string; bytes: Buffer; options: PutOptions }[] = [];
  put(bucket: string, path: string, bytes: Buffer, options: PutOptions) {
    this.puts.push({ bucket, path, bytes, options });
    return Promise.resolve({
      bucket,
      path,
      url: `https://files.test/${bucket}/${path}`,
      size: bytes.length,
      contentType: options.contentType,
    });
  }
}

const JOB_ID = '3f1c2b9a-7d4e-4a6b-9c8d-0e1f2a3b4c5d';
let ids = 0;
const newId = () => `3f1c2b9a-7d4e-4a6b-9c8d-${String(++ids).padStart(12, '0')}`;

const jobMessage = (over: Partial<JobMessage> = {}): JobMessage => ({
  jobId: newId(),
  provider: 'midjourney',
  operation: 'imagine',
  input: { prompt: 'a fox' },
  deadlineAt: new Date(Date.now() + 60_000).toISOString(),
  createdAt: new Date().toISOString(),
  ...over,
});

const submission = (over: Partial<Submission> = {}): Submission => ({
  providerJobId: 'p-1',
  expectedCount: 2,
  kind: 'image',
  expectedDurationMs: 40,
  ...over,
});

const refs = (...indexes: number[]): ResultRef[] =>
  indexes.map((index) => ({ index, kind: 'image', url: `https://cdn.test/p-1/0_${index}.png` }));

const file = { bytes: Buffer.from('png-bytes'), contentType: 'image/png', width: 8, height: 8 };

let nats: FakeNats;
let storage: FakeStorage;
let scheduler: SchedulerRegistry;
let adapter: StrictMock<ProviderAdapter>;
let sut: WorkerRuntime;
let config: RuntimeConfig;

function strictAdapter(): StrictMock<ProviderAdapter> {
  // An adapter without push delivery (no websocket): the optional hooks are absent.
  const double = strictMock<ProviderAdapter>('adapter', {
    provider: 'midjourney',
    operations: ['imagine'],
    watch: undefined,
    pushes: undefined,
  });
  double.start.mockResolvedValue();
  double.stop.mockResolvedValue();
  double.checkAccount.mockResolvedValue({ signedIn: true, state: 'ready' });
  vi.mocked(double.planFacts!).mockReturnValue(null);
  vi.mocked(double.release!).mockResolvedValue();
  vi.mocked(double.browserState!).mockReturnValue({ connected: true, launchedAt: null, relaunches: 0, pages: 1 });
  double.classifyError.mockImplementation((e: unknown) =>
    e instanceof ProviderException ? e : new ProviderException('PROVIDER_ERROR', String(e)),
  );
  double.storageTarget.mockImplementation((state, ref) => ({
    bucket: 'designs',
    path: `${state.job.jobId}/${ref.index}.png`,
  }));
  return double;
}

async function boot(): Promise<void> {
  sut = new WorkerRuntime(config, nats as unknown as NatsService, storage as unknown as ObjectStorage, scheduler, [
    adapter,
  ]);
  sut.onApplicationBootstrap();
  await sut.whenBooted();
}

const until = (assertion: () => void, timeout = 4000) => vi.waitFor(assertion, { timeout, interval: 10 });
const terminal = (jobId: string) =>
  nats.of(jobId).find((e) => ['completed', 'failed', 'timeout', 'canceled'].includes(e.status));

beforeEach(() => {
  nats = new FakeNats();
  storage = new FakeStorage();
  scheduler = new SchedulerRegistry();
  adapter = strictAdapter();
  config = Object.assign(new RuntimeConfig(), {
    provider: 'midjourney',
    account: 'default',
    minSubmitGapMs: 0,
    pollMinMs: 20,
    pollMaxMs: 60,
    heartbeatMs: 60_000,
    queueWaitMs: 300,
    maxDeliveries: 3,
  });
});

afterEach(async () => {
  await sut?.onApplicationShutdown();
  vi.restoreAllMocks();
});

describe(WorkerRuntime.name, () => {
  it('submits, reports processing, polls, downloads every file in parallel and completes', async () => {
    adapter.submit.mockResolvedValue(submission());
    adapter.poll
      .mockResolvedValueOnce({ state: 'running', progress: 50, ready: [] })
      .mockResolvedValue({ state: 'completed', progress: 100, ready: refs(0, 1) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    const msg = nats.consumer.push(new FakeMsg(job));

    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    const events = nats.of(job.jobId);
    expect(events[0]).toMatchObject({ status: 'processing', seq: 1, progress: 0, note: 'submitted' });
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    const done = events.at(-1)!;
    expect(done).toMatchObject({ status: 'completed', progress: 100 });
    expect(done.result!.images.map((i) => [i.index, i.url])).toEqual([
      [0, `https://files.test/designs/${job.jobId}/0.png`],
      [1, `https://files.test/designs/${job.jobId}/1.png`],
    ]);
    expect(done.result).toMatchObject({ providerJobId: 'p-1', expectedCount: 2 });
    expect(nats.subjects.every((s) => s === Subjects.event('midjourney', job.jobId))).toBe(true);
    expect(msg.acks).toEqual(['ack']);
    expect(adapter.submit).toHaveBeenCalledTimes(1);
    expect(storage.puts).toHaveLength(2);
    expect(nats.inflight.data.has(job.jobId)).toBe(false); // the KV entry goes with the job
    expect(adapter.release).toHaveBeenCalledTimes(1);
    expect(adapter.release).toHaveBeenCalledWith(job.jobId);
  });

  it('puts back a job pulled just as an operator disabled the account, and runs it once enabled', async () => {
    adapter.submit.mockResolvedValue(submission());
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0, 1) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    const first = new FakeMsg(job);
    const pull = nats.consumer.next.bind(nats.consumer);
    // The pull was waiting when the decision landed: the message arrives for an account that may no longer work.
    vi.spyOn(nats.consumer, 'next').mockImplementationOnce(() => {
      sut.account.setDisabled(true);
      return Promise.resolve(first);
    });
    await until(() => expect(first.naks).toHaveLength(1));
    expect(adapter.submit).not.toHaveBeenCalled();
    expect(nats.inflight.data.has(job.jobId)).toBe(false);
    expect(sut.status().account.state).toBe('disabled');

    sut.account.setDisabled(false);
    vi.mocked(nats.consumer.next).mockImplementation(pull);
    nats.consumer.push(new FakeMsg(job, { deliveryCount: 2 }));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    expect(adapter.submit).toHaveBeenCalledTimes(1);
  });

  it('writes the in-flight state before submitting, so a crash mid-submit is reconciled, not resubmitted', async () => {
    let seenByAdapter: InflightState | undefined;
    const job = jobMessage();
    adapter.submit.mockImplementation(() => {
      seenByAdapter = nats.inflight.state(job.jobId);
      return Promise.resolve(submission({ expectedCount: 1 }));
    });
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    expect(seenByAdapter).toMatchObject({ phase: 'submitting', account: 'default' });
    expect(Date.parse(seenByAdapter!.submittingAt!)).toBeGreaterThan(0);
  });

  it('resumes a redelivered job the KV already knows without submitting it again', async () => {
    const job = jobMessage();
    const known: InflightState = {
      job,
      account: 'default',
      phase: 'submitted',
      submission: submission(),
      stored: [],
      seq: 4,
      polls: 2,
      pollErrors: 0,
      submittedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await nats.inflight.put(job.jobId, JSON.stringify(known));
    adapter.poll
      .mockResolvedValueOnce({ state: 'running', progress: 80, ready: [] })
      .mockResolvedValueOnce({ state: 'running', progress: 90, ready: [] })
      .mockResolvedValue({ state: 'completed', ready: refs(0, 1) });
    adapter.download.mockResolvedValue(file);
    await boot(); // resumes it from the KV at once…
    const msg = nats.consumer.push(new FakeMsg(job, { deliveryCount: 2 })); // …and the redelivery changes nothing

    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    await until(() => expect(msg.acks).toEqual(['ack']));
    expect(adapter.submit).not.toHaveBeenCalled();
    expect(terminal(job.jobId)!.seq).toBeGreaterThan(4); // sequence continues where the crashed worker left it
    expect(adapter.release).toHaveBeenCalledTimes(1);
  });

  it('acks a message redelivered after its job ended elsewhere, and never runs the job again', async () => {
    // A worker took the message and died before acking it; a restarted one resumed the job from the KV and finished
    // it. JetStream then redelivers the message: the end marker must stop a second submission.
    const job = jobMessage();
    await nats.inflight.put(
      job.jobId,
      JSON.stringify({
        job,
        account: 'default',
        phase: 'submitted',
        submission: submission({ expectedCount: 1 }),
        stored: [],
        seq: 1,
        polls: 0,
        pollErrors: 0,
        submittedAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      } satisfies InflightState),
    );
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    expect(JSON.parse(nats.finished.data.get(job.jobId)!)).toMatchObject({ status: 'completed' });
    const events = nats.events.length;

    const redelivered = nats.consumer.push(new FakeMsg(job, { deliveryCount: 2 }));
    await until(() => expect(redelivered.acks).toEqual(['ack']));
    expect(adapter.submit).not.toHaveBeenCalled();
    expect(nats.events).toHaveLength(events);
    expect(nats.inflight.data.has(job.jobId)).toBe(false);
  });

  it('drops in-flight state of a job that had already ended when the worker stopped', async () => {
    const job = jobMessage();
    await nats.finished.put(job.jobId, JSON.stringify({ status: 'completed' }));
    await nats.inflight.put(
      job.jobId,
      JSON.stringify({
        job,
        account: 'default',
        phase: 'submitted',
        submission: submission(),
        stored: [],
        seq: 9,
        polls: 3,
        pollErrors: 0,
        updatedAt: new Date().toISOString(),
      } satisfies InflightState),
    );
    await boot();
    await until(() => expect(nats.inflight.data.has(job.jobId)).toBe(false));
    expect(sut.inflightJobs()).toEqual([]);
    expect(adapter.poll).not.toHaveBeenCalled();
  });

  it('naks a retriable submit failure with backoff, forgets it, and submits afresh on redelivery', async () => {
    adapter.submit
      .mockRejectedValueOnce(new ProviderException('PROVIDER_ERROR', 'Midjourney answered 400'))
      .mockResolvedValue(submission({ expectedCount: 1 }));
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    const first = nats.consumer.push(new FakeMsg(job, { deliveryCount: 1 }));
    await until(() => expect(first.naks).toEqual([2000]));
    expect(first.acks).toEqual([]);
    expect(nats.inflight.data.has(job.jobId)).toBe(false);
    expect(nats.of(job.jobId)).toEqual([]); // no event: the job simply waits in the queue

    const second = nats.consumer.push(new FakeMsg(job, { deliveryCount: 2 }));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    expect(second.acks).toEqual(['ack']);
    expect(adapter.submit).toHaveBeenCalledTimes(2);
  });

  it('fails a non-retriable submit failure at once, acks it and releases the job', async () => {
    adapter.submit.mockRejectedValue(new ProviderException('CONTENT_REJECTED', 'Banned prompt'));
    await boot();
    const job = jobMessage();
    const msg = nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('failed'));
    expect(terminal(job.jobId)!.error).toMatchObject({ code: 'CONTENT_REJECTED', message: 'Banned prompt' });
    expect(msg.acks).toEqual(['ack']);
    expect(msg.naks).toEqual([]);
    expect(adapter.release).toHaveBeenCalledTimes(1);
    expect(nats.inflight.data.has(job.jobId)).toBe(false);
  });

  it('fails a retriable failure once the deliveries are used up', async () => {
    adapter.submit.mockRejectedValue(new ProviderException('RATE_LIMITED', '429', undefined, { retryAfterMs: 10 }));
    await boot();
    const job = jobMessage();
    const msg = nats.consumer.push(new FakeMsg(job, { deliveryCount: config.maxDeliveries }));
    await until(() => expect(terminal(job.jobId)?.status).toBe('failed'));
    expect(terminal(job.jobId)!.error!.code).toBe('RATE_LIMITED');
    expect(msg.naks).toEqual([]);
    expect(sut.status().account.state).toBe('cooling_down'); // a 429 cools the account down as well
  });

  it('acks an outcome-unknown submit and reconciles through the provider’s list instead of resubmitting', async () => {
    adapter.submit.mockRejectedValue(
      new ProviderException('PROVIDER_ERROR', 'answered 504', undefined, { outcomeUnknown: true }),
    );
    vi.mocked(adapter.findSubmission!).mockResolvedValue(submission({ expectedCount: 1, providerJobId: 'p-found' }));
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    const msg = nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    expect(msg.acks).toEqual(['ack']);
    expect(msg.naks).toEqual([]);
    expect(adapter.submit).toHaveBeenCalledTimes(1);
    expect(adapter.findSubmission).toHaveBeenCalledTimes(1);
    expect(nats.of(job.jobId)[0]).toMatchObject({
      status: 'processing',
      note: 'found in the provider’s job list (the submission outcome was unknown)',
    });
    expect(terminal(job.jobId)!.result!.providerJobId).toBe('p-found');
  });

  it('asks the list again while it cannot tell, then submits once it says surely not submitted', async () => {
    adapter.submit
      .mockRejectedValueOnce(new ProviderException('PROVIDER_TIMEOUT', 'lost', undefined, { outcomeUnknown: true }))
      .mockResolvedValue(submission({ expectedCount: 1 }));
    vi.mocked(adapter.findSubmission!)
      .mockRejectedValueOnce(
        new ProviderException('SUBMISSION_UNKNOWN', 'not listed yet', undefined, { retryAfterMs: 50 }),
      )
      .mockResolvedValue(null);
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    expect(adapter.findSubmission).toHaveBeenCalledTimes(2);
    expect(adapter.submit).toHaveBeenCalledTimes(2);
    expect(sut.status().account.state).toBe('ready'); // "cannot tell yet" says nothing about the account
  });

  it('retries a resubmission refused for now through reconciliation again, never from a stale message', async () => {
    config.maxDeliveries = 5;
    adapter.submit
      .mockRejectedValueOnce(new ProviderException('PROVIDER_ERROR', 'lost', undefined, { outcomeUnknown: true }))
      .mockRejectedValueOnce(new ProviderException('PROVIDER_ERROR', 'answered 400'))
      .mockResolvedValue(submission({ expectedCount: 1 }));
    vi.mocked(adapter.findSubmission!).mockResolvedValue(null);
    adapter.poll.mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(nats.inflight.state(job.jobId)?.submitAttempts).toBe(1));
    expect(nats.inflight.state(job.jobId)?.phase).toBe('submitting');
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'), 6000);
    expect(adapter.findSubmission).toHaveBeenCalledTimes(2); // each retry asks the list first
    expect(adapter.submit).toHaveBeenCalledTimes(3);
  });

  it('lets a job wait in the queue when the provider is full, without failing it or counting a 429', async () => {
    adapter.submit.mockRejectedValue(
      new ProviderException('QUEUE_FULL', 'queue is full', undefined, { waitInQueue: true }),
    );
    await boot();
    const job = jobMessage();
    const msg = nats.consumer.push(new FakeMsg(job, { deliveryCount: 40 })); // far past maxDeliveries
    await until(() => expect(msg.naks).toEqual([300]));
    expect(msg.acks).toEqual([]);
    expect(nats.of(job.jobId)).toEqual([]);
    expect(nats.inflight.data.has(job.jobId)).toBe(false);
    expect(sut.status().account.cooldownUntil).not.toBeNull(); // the account is held meanwhile
    expect(sut.accountState()).toBe('ready');
    expect(adapter.release).not.toHaveBeenCalled();
  });

  it('ends a job at its deadline as timeout, keeping the files stored so far', async () => {
    adapter.submit.mockResolvedValue(submission({ expectedCount: 2 }));
    adapter.poll.mockResolvedValue({ state: 'running', progress: 60, ready: refs(0) });
    adapter.download.mockResolvedValue(file);
    await boot();
    const job = jobMessage({ deadlineAt: new Date(Date.now() + 700).toISOString() });
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'));
    const end = terminal(job.jobId)!;
    expect(end.error).toMatchObject({ code: 'PROVIDER_TIMEOUT', message: 'Deadline passed with 1 of 2 files stored' });
    expect(end.result).toMatchObject({ partial: true, expectedCount: 2 });
    expect(end.result!.images.map((i) => i.index)).toEqual([0]);
    expect(adapter.download).toHaveBeenCalledTimes(1); // a stored file is never fetched again
    expect(adapter.release).toHaveBeenCalledTimes(1);
  });

  it('ends a job without any file as timeout, not partial', async () => {
    adapter.submit.mockResolvedValue(submission());
    adapter.poll.mockResolvedValue({ state: 'running', progress: 10, ready: [] });
    await boot();
    const job = jobMessage({ deadlineAt: new Date(Date.now() + 400).toISOString() });
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'));
    expect(terminal(job.jobId)!.result!.partial).toBeUndefined();
    expect(terminal(job.jobId)!.error!.message).toBe('Deadline passed before any result was ready');
  });

  it('merges result fields, takes the provider’s file count, and completes a file-less job on completed', async () => {
    adapter.submit.mockResolvedValue(
      submission({ expectedCount: 1, result: { conversationId: 'c-1', text: 'draft' } }),
    );
    adapter.poll
      .mockResolvedValueOnce({ state: 'running', ready: [], result: { text: 'Hel' } })
      .mockResolvedValueOnce({ state: 'running', ready: [], result: { text: 'Hello', codeBlocks: ['x'] } })
      .mockResolvedValue({ state: 'completed', ready: [], expectedCount: 0, result: { text: 'Hello world' } });
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    const end = terminal(job.jobId)!;
    expect(end.result).toMatchObject({
      conversationId: 'c-1',
      text: 'Hello world',
      codeBlocks: ['x'],
      images: [],
      expectedCount: 0,
    });
    // Each poll with new fields published them, cumulatively.
    expect(nats.of(job.jobId).map((e) => e.result?.text)).toEqual(['draft', 'Hel', 'Hello', 'Hello world']);
    expect(adapter.download).not.toHaveBeenCalled();
  });

  it('does not complete a file-less job while the provider still runs it', async () => {
    adapter.submit.mockResolvedValue(submission({ expectedCount: 1 }));
    adapter.poll.mockResolvedValue({ state: 'running', ready: [], expectedCount: 0 } satisfies PollOutcome);
    await boot();
    const job = jobMessage({ deadlineAt: new Date(Date.now() + 400).toISOString() });
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'));
  });

  it('keeps partial text at the deadline and marks the result partial', async () => {
    adapter.submit.mockResolvedValue(submission({ expectedCount: 0 }));
    adapter.poll.mockResolvedValue({ state: 'running', ready: [], result: { text: 'Once upon a' } });
    await boot();
    const job = jobMessage({ deadlineAt: new Date(Date.now() + 500).toISOString() });
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'));
    const end = terminal(job.jobId)!;
    expect(end.result).toMatchObject({ text: 'Once upon a', partial: true });
    expect(end.error!.message).toMatch(/partial text is kept/);
  });

  it('fails a job the provider failed during its run, with the provider’s reason', async () => {
    adapter.submit.mockResolvedValue(submission());
    adapter.poll.mockResolvedValue({
      state: 'failed',
      ready: [],
      error: new ProviderException('CONTENT_REJECTED', 'moderated'),
    });
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('failed'));
    expect(terminal(job.jobId)!.error).toMatchObject({ code: 'CONTENT_REJECTED', message: 'moderated' });
    expect(adapter.release).toHaveBeenCalledTimes(1);
  });

  it('backs off on transient poll errors and completes once the provider answers again', async () => {
    adapter.submit.mockResolvedValue(submission({ expectedCount: 1 }));
    adapter.poll
      .mockRejectedValueOnce(new ProviderException('PROVIDER_ERROR', '503'))
      .mockResolvedValue({ state: 'completed', ready: refs(0) });
    adapter.download.mockRejectedValueOnce(new ProviderException('PROVIDER_ERROR', 'CDN 502')).mockResolvedValue(file);
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('completed'), 6000);
    expect(adapter.poll.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(adapter.download).toHaveBeenCalledTimes(2);
  });

  it('ends a job at once when its cancel marker appears, and polls it no more', async () => {
    adapter.submit.mockResolvedValue(submission());
    adapter.poll.mockResolvedValue({ state: 'running', progress: 5, ready: [] });
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(adapter.poll).toHaveBeenCalled());
    await nats.canceled.put(job.jobId, JSON.stringify({ at: new Date().toISOString() }));
    await until(() => expect(terminal(job.jobId)?.status).toBe('canceled'));
    expect(terminal(job.jobId)!.error!.code).toBe('CANCELED');
    expect(scheduler.getTimeouts()).not.toContain(`poll:${job.jobId}`); // no poll comes after the end
    expect(sut.inflightJobs()).toEqual([]);
    expect(adapter.release).toHaveBeenCalledTimes(1);
  });

  it('never submits a job canceled before it was taken', async () => {
    await boot();
    const job = jobMessage();
    await nats.canceled.put(job.jobId, '{}');
    const msg = nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('canceled'));
    expect(msg.acks).toEqual(['ack']);
    expect(adapter.submit).not.toHaveBeenCalled();
  });

  it('terminates a malformed message and fails its job with INVALID_PAYLOAD', async () => {
    await boot();
    const msg = nats.consumer.push(new FakeMsg({ jobId: JOB_ID, provider: 'midjourney', input: 'nope' }));
    await until(() => expect(msg.acks).toEqual(['term']));
    expect(nats.last(JOB_ID)).toMatchObject({ status: 'failed', error: { code: 'INVALID_PAYLOAD' } });
    expect(adapter.submit).not.toHaveBeenCalled();
  });

  it('answers a job whose deadline passed before it started with timeout, without submitting', async () => {
    await boot();
    const job = jobMessage({ deadlineAt: new Date(Date.now() - 1000).toISOString() });
    const msg = nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'));
    expect(msg.acks).toEqual(['ack']);
    expect(adapter.submit).not.toHaveBeenCalled();
  });

  it('takes no job while the account is signed out', async () => {
    adapter.checkAccount.mockResolvedValue({ signedIn: false, state: 'signed_out', detail: 'login page' });
    await boot();
    // Boot checks the account before the loop starts, so the loop's first look already sees it signed out.
    expect(sut.status().account).toMatchObject({ state: 'signed_out', signedIn: false });
    expect(nats.consumer.pulls).toBe(0);
    expect(sut.status().account.lastError?.code).toBe('SIGNED_OUT');
  });

  it('fails a job whose submission outcome is unknown when the provider offers no list to check', async () => {
    const job = jobMessage();
    await nats.inflight.put(
      job.jobId,
      JSON.stringify({
        job,
        account: 'default',
        phase: 'submitting',
        stored: [],
        seq: 0,
        polls: 0,
        pollErrors: 0,
        updatedAt: new Date().toISOString(),
      } satisfies InflightState),
    );
    (adapter as { findSubmission?: unknown }).findSubmission = undefined;
    await boot();
    await until(() => expect(terminal(job.jobId)?.status).toBe('failed'));
    expect(terminal(job.jobId)!.error!.code).toBe('SUBMISSION_UNKNOWN');
    expect(adapter.submit).not.toHaveBeenCalled();
  });
  describe('through faults of our own infrastructure', () => {
    it('never submits twice when the KV cannot take the accepted state, and acks once it can', async () => {
      adapter.submit.mockImplementation(() => {
        nats.inflight.down = true; // NATS goes away while the provider accepts the job
        return Promise.resolve(submission({ expectedCount: 1 }));
      });
      adapter.poll.mockResolvedValue({ state: 'completed', progress: 100, ready: refs(0) });
      adapter.download.mockResolvedValue(file);
      await boot();
      const job = jobMessage();
      const msg = nats.consumer.push(new FakeMsg(job));
      await until(() => expect(adapter.submit).toHaveBeenCalledTimes(1));
      await until(() => expect(nats.inflight.calls).toBeGreaterThan(2)); // the accepted state's write failed
      expect(msg.naks).toEqual([]);
      expect(msg.acks).toEqual([]); // held until the KV has the state
      nats.inflight.down = false;
      await until(() => expect(terminal(job.jobId)?.status).toBe('completed'), 6000);
      expect(msg.acks).toEqual(['ack']);
      expect(msg.naks).toEqual([]);
      expect(adapter.submit).toHaveBeenCalledTimes(1);
    });

    it('does not submit while the KV cannot record the attempt first', async () => {
      await boot();
      nats.inflight.putsDown = true;
      const msg = nats.consumer.push(new FakeMsg(jobMessage()));
      await until(() => expect(msg.naks.length).toBe(1));
      expect(adapter.submit).not.toHaveBeenCalled();
      expect(sut.inflightJobs()).toEqual([]);
    });

    it('keeps polling from its own copy while the KV cannot be read or written, and completes', async () => {
      adapter.submit.mockResolvedValue(submission({ expectedCount: 1 }));
      let polls = 0;
      adapter.poll.mockImplementation(() => {
        polls++;
        if (polls === 1) nats.inflight.down = nats.canceled.down = true; // outage after the first poll
        if (polls === 3) nats.inflight.down = nats.canceled.down = false;
        return Promise.resolve(
          polls < 4 ? { state: 'running', progress: 10 * polls, ready: [] } : { state: 'completed', ready: refs(0) },
        );
      });
      adapter.download.mockResolvedValue(file);
      await boot();
      const job = jobMessage();
      nats.consumer.push(new FakeMsg(job));
      await until(() => expect(terminal(job.jobId)?.status).toBe('completed'), 6000);
      expect(adapter.submit).toHaveBeenCalledTimes(1);
      expect(nats.inflight.data.has(job.jobId)).toBe(false);
    });

    it('sends the terminal event once NATS takes it again, and frees the slot', async () => {
      adapter.submit.mockResolvedValue(submission({ expectedCount: 1 }));
      adapter.poll.mockImplementation(() => {
        nats.publishDown = true;
        return Promise.resolve({ state: 'completed', ready: refs(0) });
      });
      adapter.download.mockResolvedValue(file);
      await boot();
      const job = jobMessage();
      nats.consumer.push(new FakeMsg(job));
      await until(() => expect(adapter.download).toHaveBeenCalled());
      expect(terminal(job.jobId)).toBeUndefined();
      nats.publishDown = false;
      await until(() => expect(terminal(job.jobId)?.status).toBe('completed'), 6000);
      expect(sut.inflightJobs()).toEqual([]);
    });

    it('retries its boot while NATS refuses connections and is ready only once it consumes', async () => {
      nats.refuseConnects = 2;
      adapter.submit.mockResolvedValue(submission({ expectedCount: 0 }));
      adapter.poll.mockResolvedValue({ state: 'completed', ready: [] });
      sut = new WorkerRuntime(config, nats as unknown as NatsService, storage as unknown as ObjectStorage, scheduler, [
        adapter,
      ]);
      sut.onApplicationBootstrap();
      expect(sut.consuming()).toBe(false);
      await sut.whenBooted();
      expect(nats.connects).toBe(3);
      expect(sut.consuming()).toBe(true);
      const job = jobMessage();
      nats.consumer.push(new FakeMsg(job));
      await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
    });
  });

  describe('deadlines', () => {
    it('polls at the deadline at the latest and ends the job then, however long the render was expected to take', async () => {
      adapter.submit.mockResolvedValue(submission({ expectedDurationMs: 600_000 }));
      adapter.poll.mockResolvedValue({ state: 'running', ready: [] });
      config.heartbeatMs = 600_000;
      await boot();
      const deadline = Date.now() + 800;
      const job = jobMessage({ deadlineAt: new Date(deadline).toISOString() });
      nats.consumer.push(new FakeMsg(job));
      await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'), 3000);
      expect(Date.parse(terminal(job.jobId)!.at) - deadline).toBeLessThan(1000);
    });

    it('aborts a provider call that hangs past the deadline', async () => {
      adapter.submit.mockResolvedValue(submission({ expectedDurationMs: 10 }));
      adapter.poll.mockImplementation(
        (_state, signal) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
      );
      await boot();
      const deadline = Date.now() + 800;
      const job = jobMessage({ deadlineAt: new Date(deadline).toISOString() });
      nats.consumer.push(new FakeMsg(job));
      await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'), 3000);
      expect(Date.parse(terminal(job.jobId)!.at) - deadline).toBeLessThan(1000);
    });

    it('ends a job that waited in the queue past its deadline with QUEUE_TIMEOUT, never submitted', async () => {
      await boot();
      const job = jobMessage({ deadlineAt: new Date(Date.now() - 1000).toISOString() });
      nats.consumer.push(new FakeMsg(job));
      await until(() => expect(terminal(job.jobId)?.error?.code).toBe('QUEUE_TIMEOUT'));
      expect(terminal(job.jobId)!.status).toBe('timeout');
      expect(adapter.submit).not.toHaveBeenCalled();
    });

    it('ends a job the provider keeps full until too little time is left as timeout QUEUE_TIMEOUT, not failed', async () => {
      adapter.submit.mockRejectedValue(
        new ProviderException('QUEUE_FULL', 'queue is full', undefined, { waitInQueue: true, retryAfterMs: 10_000 }),
      );
      await boot();
      const job = jobMessage({ deadlineAt: new Date(Date.now() + 5000).toISOString() });
      const msg = nats.consumer.push(new FakeMsg(job));
      await until(() => expect(terminal(job.jobId)?.status).toBe('timeout'));
      expect(terminal(job.jobId)!.error!.code).toBe('QUEUE_TIMEOUT');
      expect(msg.acks).toEqual(['ack']);
    });
  });

  it('submits a job once when two accounts take copies of its message at the same moment', async () => {
    adapter.submit.mockResolvedValue(submission({ expectedCount: 0 }));
    adapter.poll.mockResolvedValue({ state: 'completed', ready: [] });
    await boot();
    const other = new WorkerRuntime(
      Object.assign(new RuntimeConfig(), { ...config, account: 'second' }),
      nats as unknown as NatsService,
      storage as unknown as ObjectStorage,
      new SchedulerRegistry(),
      [adapter],
    );
    other.onApplicationBootstrap();
    await other.whenBooted();
    try {
      const job = jobMessage();
      const first = nats.consumer.push(new FakeMsg(job));
      const second = nats.consumer.push(new FakeMsg(job, { deliveryCount: 2 }));
      await until(() => expect(terminal(job.jobId)?.status).toBe('completed'));
      await until(() => expect([...first.acks, ...second.acks]).toEqual(['ack', 'ack']));
      expect(adapter.submit).toHaveBeenCalledTimes(1);
    } finally {
      await other.onApplicationShutdown();
    }
  });

  it('keeps control flags out of the job’s error', async () => {
    adapter.submit.mockRejectedValue(
      new ProviderException('CONTENT_REJECTED', 'banned', { word: 'x' }, { rejected: true, retryAfterMs: 5 }),
    );
    await boot();
    const job = jobMessage();
    nats.consumer.push(new FakeMsg(job));
    await until(() => expect(terminal(job.jobId)?.status).toBe('failed'));
    expect(terminal(job.jobId)!.error).toEqual({ code: 'CONTENT_REJECTED', message: 'banned', details: { word: 'x' } });
  });
});
