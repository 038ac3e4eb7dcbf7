import { describe, expect, it, vi } from 'vitest';
import { SEQ_OF_REFUSAL, type JobEvent, type JobMessage } from '@app/contracts';
import type { InflightState } from '../provider-adapter.js';
import type { InflightStore } from './inflight-store.js';
import { JobEvents, resultOf } from './job-events.js';
import { strictMock } from '../../../../test/strict-mock.js';

// Job events against a strict store and a publish that fails on demand; waits are recorded, never slept.

const state = (): InflightState => ({
  job: { jobId: 'job-1' } as JobMessage,
  account: 'default',
  phase: 'submitted',
  submission: { providerJobId: 'p-1', expectedCount: 1, kind: 'image', expectedDurationMs: 10 },
  stored: [],
  seq: 0,
  polls: 0,
  pollErrors: 0,
  updatedAt: new Date(0).toISOString(),
});

function setup(failures: number) {
  const published: JobEvent[] = [];
  const waits: number[] = [];
  let left = failures;
  const publish = vi.fn((event: JobEvent) => {
    if (left-- > 0) return Promise.reject(new Error('TIMEOUT'));
    published.push(event);
    return Promise.resolve();
  });
  const store = strictMock<InflightStore>('store', { save: () => Promise.resolve() });
  const events = new JobEvents({
    provider: 'midjourney',
    heartbeatMs: 1000,
    store,
    publish,
    logger: { warn: vi.fn() },
    stopping: () => false,
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    now: () => 5_000,
  });
  return { events, published, waits, publish, store };
}

describe(JobEvents.name, () => {
  it('retries a terminal event until JetStream takes it, with backoff', async () => {
    const { events, published, waits } = setup(3);
    await events.emit(state(), 'completed', 100);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ jobId: 'job-1', seq: 1, status: 'completed', progress: 100 });
    expect(waits).toEqual([500, 1000, 2000]);
  });

  it('lets a progress event go when NATS cannot take it: the next poll sends a newer one', async () => {
    const { events, published, waits, publish } = setup(1);
    const running = state();
    await events.emit(running, 'processing', 40);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(published).toEqual([]);
    expect(waits).toEqual([]);
    await events.emit(running, 'processing', 60);
    expect(published[0]).toMatchObject({ seq: 2, progress: 60 });
  });

  it('saves the state with its new sequence number before publishing', async () => {
    const { events, store } = setup(0);
    const running = state();
    await events.emit(running, 'processing', 10);
    expect(store.save).toHaveBeenCalledWith(expect.objectContaining({ seq: 1 }));
  });

  it('ends a job refused before any run with a sequence after any run’s events', async () => {
    const { events, published } = setup(0);
    await events.refused('job-2', 'timeout', { code: 'QUEUE_TIMEOUT', message: 'never submitted' });
    expect(published[0]).toMatchObject({ jobId: 'job-2', seq: SEQ_OF_REFUSAL, status: 'timeout' });
    expect(SEQ_OF_REFUSAL).toBeGreaterThan(1e12);
  });

  it('sends a heartbeat only when no event went out for a heartbeat interval', async () => {
    const { events, published } = setup(0);
    const running = state();
    await events.heartbeat(running); // nothing sent yet: due
    await events.heartbeat(running); // just sent at the same instant: not due
    expect(published).toHaveLength(1);
  });
});

describe(resultOf.name, () => {
  const file = (index: number, role?: string) => ({
    index,
    url: `https://files.test/${index}.png`,
    bucket: 'b',
    path: `p/${index}.png`,
    contentType: 'image/png',
    size: 1,
    ...(role ? { role } : {}),
  });

  it('serves a file with a role beside the results, and names the account that ran the job', () => {
    const state = {
      job: { jobId: 'j' },
      account: 'acct-2',
      stored: [file(0), file(1), file(2, 'grid')],
      submission: { providerJobId: 'mj-1', expectedCount: 3, kind: 'image', expectedDurationMs: 1 },
    } as unknown as InflightState;
    const result = resultOf(state, 'completed');
    expect(result.images.map((f) => f.index)).toEqual([0, 1]);
    expect(result.grid).toEqual(file(2, 'grid'));
    expect(result).toMatchObject({ providerJobId: 'mj-1', account: 'acct-2' });
  });
});
