import { describe, expect, it, vi } from 'vitest';
import type { JobMessage } from '@app/contracts';
import type { InflightState } from '../provider-adapter.js';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';
import { QueueDeadlines } from './queue-deadlines.js';
import { strictMock } from '../../../../test/strict-mock.js';

// Queue deadlines on strict parts and a fixed clock: which queued jobs it ends, and which it leaves alone.

const NOW = Date.parse('2026-12-07T12:00:00Z');
let n = 0;
const queued = (deadlineOffsetMs: number): JobMessage => ({
  jobId: `3f1c2b9a-7d4e-4a6b-9c8d-${String(++n).padStart(12, '0')}`,
  provider: 'ideogram',
  operation: 'generate',
  input: { prompt: 'a fox' },
  deadlineAt: new Date(NOW + deadlineOffsetMs).toISOString(),
  createdAt: new Date(NOW - 60_000).toISOString(),
});

function setup(messages: unknown[], over: { held?: string[]; known?: string[]; finished?: string[] } = {}) {
  const store = strictMock<InflightStore>('store', {
    get: (id) => (over.held?.includes(id) ? ({} as InflightState) : undefined),
    load: (id) => Promise.resolve(over.known?.includes(id) ? ({} as InflightState) : null),
    hasFinished: (id) => Promise.resolve(!!over.finished?.includes(id)),
  });
  const events = strictMock<JobEvents>('events', { refused: () => Promise.resolve() });
  const readQueued = vi.fn(() => Promise.resolve(messages));
  const queue = new QueueDeadlines({ store, events, logger: { warn: vi.fn() }, readQueued, now: () => NOW });
  return { queue, events, readQueued };
}

describe(QueueDeadlines.name, () => {
  it('ends a job still queued past its deadline with QUEUE_TIMEOUT, once', async () => {
    const overdue = queued(-1500);
    const { queue, events } = setup([overdue, queued(30_000)]);
    await queue.sweep();
    await queue.sweep();
    expect(events.refused).toHaveBeenCalledTimes(1);
    expect(events.refused).toHaveBeenCalledWith(
      overdue.jobId,
      'timeout',
      expect.objectContaining({ code: 'QUEUE_TIMEOUT' }),
    );
  });

  it('leaves a job to the worker that holds it, to one whose KV knows it, and an ended one alone', async () => {
    const [held, known, finished] = [queued(-5000), queued(-5000), queued(-5000)];
    const { queue, events } = setup([held, known, finished], {
      held: [held.jobId],
      known: [known.jobId],
      finished: [finished.jobId],
    });
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
  });

  it('gives the holding worker a moment at the deadline before stepping in', async () => {
    const { queue, events } = setup([queued(-500)]);
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
  });

  it('skips malformed messages and waits for NATS when the queue cannot be read', async () => {
    const { queue, events, readQueued } = setup([{ jobId: 'nope' }]);
    await queue.sweep();
    readQueued.mockRejectedValueOnce(new Error('TIMEOUT'));
    await queue.sweep();
    expect(events.refused).not.toHaveBeenCalled();
    expect(readQueued).toHaveBeenCalledTimes(2);
  });
});
