import { describe, expect, it, vi } from 'vitest';
import type { Job } from '@app/contracts';
import { JobNotifier } from './job-notifier.js';

const job = (status: Job['status']) => ({ id: 'job-1', status }) as Job;

describe(JobNotifier.name, () => {
  it("announces this replica's changes through the bridge and tells its own listeners", () => {
    const notifier = new JobNotifier();
    const forward = vi.fn();
    const listener = vi.fn();
    notifier.bridge(forward);
    notifier.subscribe('job-1', listener);
    notifier.publish(job('processing'));
    expect(forward).toHaveBeenCalledWith(job('processing'));
    expect(listener).toHaveBeenCalledWith(job('processing'));
  });

  it("hands another replica's change to its listeners and the cache, without announcing it again", async () => {
    const notifier = new JobNotifier();
    const forward = vi.fn();
    const remote = vi.fn();
    notifier.bridge(forward);
    notifier.onRemote(remote);
    const waiting = notifier.waitFor('job-1', (j) => j.status === 'completed', 5000);
    notifier.receive(job('completed'));
    expect(await waiting).toEqual(job('completed'));
    expect(remote).toHaveBeenCalledWith(job('completed'));
    expect(forward).not.toHaveBeenCalled();
  });

  it("feeds every job's changes, this replica's and the others', to the list-wide stream until it leaves", () => {
    const notifier = new JobNotifier();
    const all = vi.fn();
    const off = notifier.subscribeAll(all);
    notifier.publish(job('processing'));
    notifier.receive({ ...job('completed'), id: 'job-2' });
    expect(all.mock.calls.map(([j]) => [j.id, j.status])).toEqual([
      ['job-1', 'processing'],
      ['job-2', 'completed'],
    ]);
    off();
    notifier.publish(job('completed'));
    expect(all).toHaveBeenCalledTimes(2);
  });
});
