import { describe, expect, it, vi } from 'vitest';
import type { JobMessage } from '@app/contracts';
import type { InflightState } from '../provider-adapter.js';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';
import { QueueDeadlines, type QueueReader } from './queue-deadlines.js';
import { strictMock } from '../../../../test/strict-mock.js';

// Queue deadlines on strict parts, an in-memory stream and a settable clock: which queued jobs it ends, which it
// leaves alone, and that it reads each message once.

const START = Date.parse('2026-12-07T12:00:00Z');
let n = 0;
const queued = (deadlineOffsetMs: number): JobMessage => ({
  jobId: `3f1c2b9a-7d4e-4a6b-9c8d-${String(++n).padStart(12, '0')}`,
  provider: 'ideogram',
  operation: 'generate',
  input: { prompt: 'a fox' },
  deadlineAt: new Date(START + deadlineOffsetMs).toISOString(),
  createdAt: new Date(START - 60_000).toISOString(),
});

/** A stream: sequence → payload; `take` removes a message as a worker's ack would. */
class FakeStream {
  readonly messages = new Map<number, unknown>();
  last = 0;
  add(...payloads: unknown[]) {
    for (const payload of payloads) this.messages.set(++this.last, payload);
  }
  take(jobId: string) {
    for (const [seq, payload] of this.messages) if ((payload as JobMessage).jobId === jobId) this.messages.delete(seq);
  }
  reader(): QueueReader {
    return {
      lastSeq: vi.fn(() => Promise.resolve(this.last)),
      after: vi.fn((from: number, limit: number) =>
        Promise.resolve(
          [...this.messages]
            .filter(([seq]) => seq > from)
            .slice(0, limit)
            .map(([seq, payload]) => ({ seq, payload })),
        ),
      ),
      at: vi.fn((seq: number) => Promise.resolve(this.messages.get(seq) ?? null)),
    };
  }
}

function setup(
  over: { held?: string[]; known?: string[]; finished?: string[]; account?: { name: string; usable: boolean } } = {},
) {
  const stream = new FakeStream();
  const store = strictMock<InflightStore>('store', {
    get: (id) => (over.held?.includes(id) ? ({} as InflightState) : undefined),
    load: (id) => Promise.resolve(over.known?.includes(id) ? ({} as InflightState) : null),
    hasFinished: (id) => Promise.resolve(!!over.finished?.includes(id)),
  });
  const events = strictMock<JobEvents>('events', { refused: () => Promise.resolve() });
  const reader = stream.reader();
  const clock = { now: START };
  const account = over.account && { name: over.account.name, usable: () => over.account!.usable };
  const queue = new QueueDeadlines({
    store,
    events,
    logger: { warn: vi.fn() },
    reader,
    now: () => clock.now,
    account,
  });
  return { queue, events, reader, stream, store, clock };
}

describe(QueueDeadlines.name, () => {
  it('ends a job still queued past its deadline with QUEUE_TIMEOUT, once', async () => {
    const { queue, events, stream } = setup();
    const overdue = queued(-1500);
    stream.add(overdue, queued(30_000));
    await queue.sweep();
    await queue.sweep();
    expect(events.refused).toHaveBeenCalledTimes(1);
    expect(events.refused).toHaveBeenCalledWith(
      overdue.jobId,
      'timeout',
      expect.objectContaining({ code: 'QUEUE_TIMEOUT' }),
    );
  });

  it('ends a job when its deadline comes, learnt from one read of the message', async () => {
    const { queue, events, stream, reader, clock } = setup();
    const later = queued(5000);
    stream.add(later);
    await queue.sweep();
    clock.now += 3000;
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
    clock.now += 3500;
    await queue.sweep();
    expect(events.refused).toHaveBeenCalledWith(later.jobId, 'timeout', expect.anything());
    // Each sweep asks only for messages after the last one seen, and looks one up only once it is due.
    expect(vi.mocked(reader.after).mock.calls.map(([from]) => from)).toEqual([0, 1, 1]);
    expect(reader.at).toHaveBeenCalledTimes(1);
  });

  it('leaves a job to the worker that holds it, to one whose KV knows it, and an ended one alone', async () => {
    const [held, known, finished] = [queued(-5000), queued(-5000), queued(-5000)];
    const { queue, events, stream } = setup({
      held: [held.jobId],
      known: [known.jobId],
      finished: [finished.jobId],
    });
    stream.add(held, known, finished);
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
  });

  it('leaves a job a worker took (its message gone) alone', async () => {
    const { queue, events, stream, clock } = setup();
    const job = queued(2000);
    stream.add(job);
    await queue.sweep();
    stream.take(job.jobId);
    clock.now += 5000;
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
  });

  it('gives the holding worker a moment at the deadline before stepping in', async () => {
    const { queue, events, stream } = setup();
    stream.add(queued(-500));
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
  });

  it('learns a stream made anew (sequence numbers start again)', async () => {
    const { queue, events, stream } = setup();
    stream.add(queued(60_000), queued(60_000), queued(60_000));
    await queue.sweep();
    stream.messages.clear();
    stream.last = 0;
    const overdue = queued(-5000);
    stream.add(overdue);
    await queue.sweep();
    expect(events.refused).toHaveBeenCalledWith(overdue.jobId, 'timeout', expect.anything());
  });

  it('skips malformed messages and waits for NATS when the queue cannot be read', async () => {
    const { queue, events, stream, reader } = setup();
    stream.add({ jobId: 'nope' });
    await queue.sweep();
    vi.mocked(reader.lastSeq).mockRejectedValueOnce(new Error('TIMEOUT'));
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
    expect(reader.lastSeq).toHaveBeenCalledTimes(2);
  });

  it('asks the KV again on the next sweep when it could not answer', async () => {
    const { queue, events, stream, store } = setup();
    const overdue = queued(-5000);
    stream.add(overdue);
    vi.mocked(store.load).mockRejectedValueOnce(new Error('TIMEOUT'));
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
    await queue.sweep();
    expect(events.refused).toHaveBeenCalledWith(overdue.jobId, 'timeout', expect.anything());
  });

  it.each([
    ['another account', { name: 'other', usable: true }, 'failed', 'ACCOUNT_UNAVAILABLE'],
    ['this worker’s account while it is unusable', { name: 'acct-x', usable: false }, 'failed', 'ACCOUNT_UNAVAILABLE'],
    ['this worker’s usable account (it was only full)', { name: 'acct-x', usable: true }, 'timeout', 'QUEUE_TIMEOUT'],
  ] as const)('ends a job pinned to %s as %s %s', async (_name, account, status, code) => {
    const { queue, events, stream } = setup({ account });
    const pinned = { ...queued(-1500), account: 'acct-x' };
    stream.add(pinned);
    await queue.sweep();
    expect(events.refused).toHaveBeenCalledWith(pinned.jobId, status, expect.objectContaining({ code }));
  });
});
