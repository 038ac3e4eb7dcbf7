import { describe, expect, it, vi } from 'vitest';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { JobMessage } from '@app/contracts';
import type { InflightState } from '../provider-adapter.js';
import { InfrastructureError } from './infra.js';
import { InflightStore, type Bucket } from './inflight-store.js';
import { strictMock } from '../../../../test/strict-mock.js';

// The store against strict bucket stand-ins: any call the test did not expect fails it.

const strictBucket = (name: string) => strictMock<Bucket>(name);

const down = () => Promise.reject(Object.assign(new Error('TIMEOUT'), { name: 'TimeoutError' }));

const state = (jobId = 'job-1'): InflightState => ({
  job: { jobId } as JobMessage,
  account: 'default',
  phase: 'submitted',
  stored: [],
  seq: 1,
  polls: 0,
  pollErrors: 0,
  updatedAt: new Date(0).toISOString(),
});

function setup() {
  const buckets = {
    inflight: strictBucket('inflight'),
    canceled: strictBucket('canceled'),
    finished: strictBucket('finished'),
  };
  const logger = { warn: vi.fn(), log: vi.fn() };
  return { buckets, logger, store: new InflightStore(buckets, logger, () => 1_000) };
}

describe(InflightStore.name, () => {
  it('claims a new job only if no worker has: the KV’s create decides', async () => {
    const { buckets, store } = setup();
    buckets.inflight.create
      .mockResolvedValueOnce(1)
      .mockRejectedValueOnce(new JetStreamApiError({ code: 400, err_code: 10071, description: 'wrong last sequence' }))
      .mockImplementationOnce(down);
    expect(await store.claim(state('job-1'))).toBe(true);
    expect(store.get('job-1')).toBeDefined();
    expect(await store.claim(state('job-2'))).toBe(false);
    expect(store.get('job-2')).toBeUndefined();
    await expect(store.claim(state('job-3'))).rejects.toBeInstanceOf(InfrastructureError);
    expect(store.get('job-3')).toBeUndefined();
  });

  it('refuses to hold a job the KV cannot record (no record, no submission)', async () => {
    const { buckets, store } = setup();
    buckets.inflight.put.mockImplementation(down);
    await expect(store.persist(state())).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('keeps a state the KV cannot take in memory and writes it at the next flush, then runs the deferred ack', async () => {
    const { buckets, store, logger } = setup();
    const written: string[] = [];
    buckets.inflight.put.mockImplementationOnce(down).mockImplementation((_key, value) => {
      written.push(value as string);
      return Promise.resolve(1);
    });
    const ack = vi.fn();
    const accepted = state();
    store.adopt(accepted); // held since its 'submitting' record

    await store.save(accepted, ack);
    expect(store.get('job-1')).toBe(accepted);
    expect(store.isDurable('job-1')).toBe(false);
    expect(ack).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledTimes(1);

    await store.flush();
    expect(JSON.parse(written[0]) as InflightState).toMatchObject({ phase: 'submitted', seq: 1 });
    expect(store.isDurable('job-1')).toBe(true);
    expect(ack).toHaveBeenCalledTimes(1);
    expect(logger.log).toHaveBeenCalledWith('in-flight state caught up with the KV');
  });

  it('ends a job while the KV is down: known as finished at once, marker and removal written later', async () => {
    const { buckets, store } = setup();
    buckets.inflight.put.mockResolvedValue(1);
    await store.persist(state());
    buckets.finished.put.mockImplementationOnce(down).mockResolvedValue(1);
    buckets.inflight.delete.mockResolvedValue();

    await store.end('job-1', 'completed');
    expect(store.get('job-1')).toBeUndefined();
    expect(await store.hasFinished('job-1')).toBe(true); // no KV read needed
    expect(buckets.inflight.delete).not.toHaveBeenCalled();

    await store.flush();
    expect(buckets.finished.put).toHaveBeenLastCalledWith('job-1', expect.stringContaining('"completed"'));
    expect(buckets.inflight.delete).toHaveBeenCalledWith('job-1');
  });

  it('never lets a late state write land after the job’s removal', async () => {
    const { buckets, store } = setup();
    const order: string[] = [];
    let release!: () => void;
    buckets.inflight.put.mockImplementation(async () => {
      order.push('put state');
      await new Promise<void>((resolve) => (release = resolve));
      return 1;
    });
    buckets.finished.put.mockImplementation(() => {
      order.push('put finished');
      return Promise.resolve(1);
    });
    buckets.inflight.delete.mockImplementation(() => {
      order.push('delete state');
      return Promise.resolve();
    });
    store.adopt(state());
    const saving = store.save(state());
    const ending = store.end('job-1', 'completed');
    await vi.waitFor(() => expect(order).toEqual(['put state']));
    release();
    await Promise.all([saving, ending]);
    expect(order).toEqual(['put state', 'put finished', 'delete state']);
    await store.save(state()); // a write after the end is dropped
    expect(store.get('job-1')).toBeUndefined();
    expect(order).toHaveLength(3);
  });

  it('reports KV reads that fail as infrastructure errors, never as answers', async () => {
    const { buckets, store } = setup();
    buckets.inflight.get.mockImplementation(down);
    buckets.canceled.get.mockImplementation(down);
    buckets.finished.get.mockImplementation(down);
    await expect(store.load('job-1')).rejects.toBeInstanceOf(InfrastructureError);
    await expect(store.isCanceled('job-1')).rejects.toBeInstanceOf(InfrastructureError);
    await expect(store.hasFinished('job-1')).rejects.toBeInstanceOf(InfrastructureError);
  });
});
