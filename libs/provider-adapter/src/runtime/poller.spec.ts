import { describe, expect, it, vi } from 'vitest';
import { ProviderException, type JobMessage } from '@app/contracts';
import type { InflightState, ProviderAdapter } from '../provider-adapter.js';
import type { AccountMonitor } from './account-monitor.js';
import { InfrastructureError } from './infra.js';
import type { InflightStore } from './inflight-store.js';
import type { JobEvents } from './job-events.js';
import { AccountPacer } from './pacing.js';
import { Poller } from './poller.js';
import type { ResultStorage } from './result-storage.js';
import { RuntimeConfig } from './runtime.config.js';
import type { Timers } from './timers.js';
import { strictMock } from '../../../../test/strict-mock.js';

// The poller on strict parts, a fixed clock and hand-driven timers: no time passes unless a test fires a timer.

const NOW = 1_000_000;

class HandTimers implements Timers {
  readonly pending = new Map<string, { ms: number; run: () => void }>();
  set(name: string, ms: number, run: () => void) {
    this.pending.set(name, { ms, run });
  }
  clear(name: string) {
    this.pending.delete(name);
  }
  names() {
    return [...this.pending.keys()];
  }
}

const running = (deadlineInMs: number): InflightState => ({
  job: { jobId: 'job-1', deadlineAt: new Date(NOW + deadlineInMs).toISOString() } as JobMessage,
  account: 'default',
  phase: 'submitted',
  submission: { providerJobId: 'p-1', expectedCount: 1, kind: 'image', expectedDurationMs: 600_000 },
  stored: [],
  seq: 1,
  polls: 0,
  pollErrors: 0,
  submittedAt: new Date(NOW - 1000).toISOString(),
  updatedAt: new Date(NOW).toISOString(),
});

function setup(state: InflightState) {
  const config = Object.assign(new RuntimeConfig(), { provider: 'midjourney', heartbeatMs: 600_000 });
  const timers = new HandTimers();
  const store = strictMock<InflightStore>('store', {
    get: (id) => (id === state.job.jobId ? state : undefined),
    ids: () => [state.job.jobId],
    save: () => Promise.resolve(),
    isCanceled: () => Promise.resolve(false),
    end: () => Promise.resolve(),
  });
  const events = strictMock<JobEvents>('events', {
    emit: () => Promise.resolve(),
    heartbeat: () => Promise.resolve(),
    lastProgress: () => undefined,
    forget: () => undefined,
  });
  const adapter = strictMock<ProviderAdapter>('adapter', {
    classifyError: (e: unknown) =>
      e instanceof ProviderException ? e : new ProviderException('PROVIDER_TIMEOUT', String(e)),
    release: () => Promise.resolve(),
    pushes: undefined,
  });
  const account = strictMock<AccountMonitor>('account', { onError: () => undefined });
  const results = strictMock<ResultStorage>('results', { downloadReady: () => Promise.resolve() });
  const poller = new Poller({
    config,
    adapter,
    store,
    events,
    results,
    account,
    pacer: new AccountPacer(config),
    timers,
    logger: { log: vi.fn(), warn: vi.fn(), error: vi.fn() },
    resubmit: () => Promise.reject(new Error('no resubmission expected')),
    now: () => NOW,
  });
  return { poller, timers, store, events, adapter, account };
}

describe(Poller.name, () => {
  it('never schedules a poll later than the job’s deadline', () => {
    const { poller, timers } = setup(running(800));
    poller.schedule('job-1', 60_000);
    expect(timers.pending.get('poll:job-1')?.ms).toBe(800);
    poller.schedule('job-1', 300);
    expect(timers.pending.get('poll:job-1')?.ms).toBe(300);
  });

  it('ends the job at its deadline as timeout without asking the provider again', async () => {
    const { poller, events, adapter, store } = setup(running(0));
    await poller.pollOnce('job-1');
    expect(events.emit).toHaveBeenCalledWith(
      expect.anything(),
      'timeout',
      0,
      undefined,
      expect.objectContaining({ code: 'PROVIDER_TIMEOUT' }),
    );
    expect(adapter.poll).not.toHaveBeenCalled();
    expect(store.end).toHaveBeenCalledWith('job-1', 'timeout');
  });

  it('keeps polling from its own copy when the cancel marker cannot be read (NATS down)', async () => {
    const state = running(60_000);
    const { poller, timers, store, adapter } = setup(state);
    store.isCanceled.mockRejectedValue(new InfrastructureError('kv', 'get canceled job-1', new Error('TIMEOUT')));
    adapter.poll.mockResolvedValue({ state: 'running', progress: 10, ready: [] });
    await poller.pollOnce('job-1');
    expect(adapter.poll).toHaveBeenCalledTimes(1);
    expect(timers.pending.has('poll:job-1')).toBe(true);
  });

  it('reschedules after any unexpected failure, so a job is never orphaned', async () => {
    const state = running(60_000);
    const { poller, timers, store, adapter, events } = setup(state);
    adapter.poll.mockResolvedValue({ state: 'running', progress: 10, ready: [] });
    events.emit.mockRejectedValue(new Error('a bug in an event'));
    await poller.pollOnce('job-1');
    expect(store.get('job-1')).toBe(state);
    expect(timers.pending.get('poll:job-1')?.ms).toBe(1000);
  });

  it('backs off on a provider poll failure and tells the account monitor', async () => {
    const state = running(60_000);
    const { poller, timers, adapter, account } = setup(state);
    adapter.poll.mockRejectedValue(new ProviderException('PROVIDER_ERROR', '502'));
    await poller.pollOnce('job-1');
    await poller.pollOnce('job-1');
    expect(account.onError).toHaveBeenCalledTimes(2);
    expect(state.pollErrors).toBe(2);
    expect(timers.pending.get('poll:job-1')?.ms).toBe(2000);
  });

  describe('push wakes', () => {
    it('polls a woken job at once, and only the job with that provider id', () => {
      const { poller, timers } = setup(running(60_000));
      poller.wakeByProviderId('someone-else');
      expect(timers.pending.has('poll:job-1')).toBe(false);
      poller.wakeByProviderId('p-1');
      expect(timers.pending.get('poll:job-1')?.ms).toBe(0);
    });

    it('never wakes a job still being submitted (that poll would reconcile a submission under way)', () => {
      const state = { ...running(60_000), phase: 'submitting' as const };
      const { poller, timers } = setup(state);
      poller.wakeByProviderId();
      poller.wake('job-1');
      expect(timers.pending.size).toBe(0);
    });

    it('polls again right after a poll that a wake interrupted, never two at once', async () => {
      const state = running(60_000);
      const { poller, timers, adapter } = setup(state);
      let release!: () => void;
      adapter.poll.mockImplementationOnce(
        () =>
          new Promise((resolve) => {
            release = () => resolve({ state: 'running', progress: 10, ready: [] });
          }),
      );
      const first = poller.pollOnce('job-1');
      await vi.waitFor(() => expect(adapter.poll).toHaveBeenCalledTimes(1));
      poller.wake('job-1');
      await poller.pollOnce('job-1'); // a concurrent poll is refused
      expect(adapter.poll).toHaveBeenCalledTimes(1);
      release();
      await first;
      expect(timers.pending.get('poll:job-1')?.ms).toBe(0);
    });

    it('caps a wake at the deadline like any poll and ends the job there', async () => {
      const { poller, adapter, store } = setup(running(0));
      poller.wake('job-1');
      await poller.pollOnce('job-1');
      expect(adapter.poll).not.toHaveBeenCalled();
      expect(store.end).toHaveBeenCalledWith('job-1', 'timeout');
    });

    it('does nothing for a job that ended, so a late push cannot end it twice', async () => {
      const state = running(60_000);
      const { poller, timers, adapter, store, events } = setup(state);
      adapter.poll.mockResolvedValue({ state: 'completed', progress: 100, ready: [] });
      state.submission!.expectedCount = 0;
      await poller.pollOnce('job-1');
      expect(store.end).toHaveBeenCalledTimes(1);
      store.get.mockReturnValue(undefined);
      poller.wake('job-1');
      expect(timers.pending.size).toBe(0);
      expect(events.emit).toHaveBeenCalledTimes(1);
    });

    it('polls only as a backstop while the adapter says the job’s news comes by push', () => {
      const state = running(600_000);
      const { poller, timers, adapter } = setup(state);
      adapter.pushes = vi.fn(() => true);
      poller.scheduleNext(state, { state: 'running', progress: 50, ready: [] });
      expect(timers.pending.get('poll:job-1')?.ms).toBe(15_000);
      adapter.pushes = vi.fn(() => false);
      poller.scheduleNext(state, { state: 'running', progress: 50, ready: [] });
      expect(timers.pending.get('poll:job-1')?.ms).toBeLessThan(15_000);
    });
  });
});
