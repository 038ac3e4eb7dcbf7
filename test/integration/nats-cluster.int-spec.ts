import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Streams } from '@app/contracts';
import { ensureStreams, NatsService } from '@app/messaging';
import { startNatsCluster, type TestNatsCluster } from './nats-server.js';

// NATS_REPLICAS on a real 3-node JetStream cluster: streams and buckets get their copies when created and when an
// existing one is brought up to the configured count; a bucket keeps its data through the loss of one node.
/** The first result `fn` gives without throwing, within 30 s. */
const eventually = <T>(fn: () => Promise<T>): Promise<T> => vi.waitFor(fn, { timeout: 30_000, interval: 200 });

describe('JetStream cluster and NATS_REPLICAS', () => {
  let cluster: TestNatsCluster;
  const services: NatsService[] = [];
  const service = (replicas: number) => {
    const nats = new NatsService({ url: cluster.url, name: `replicas-${replicas}`, replicas });
    services.push(nats);
    return nats;
  };

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  }, 60_000);
  afterAll(async () => {
    for (const nats of services) await nats.onApplicationShutdown();
    await cluster?.dispose();
  });

  it('creates streams with one copy, then brings them to three', async () => {
    const one = service(1);
    await ensureStreams(await one.jetstreamManager(), 1);
    const jsm = await one.jetstreamManager();
    expect((await jsm.streams.info(Streams.jobs)).config.num_replicas).toBe(1);
    await ensureStreams(jsm, 3);
    for (const stream of [Streams.jobs, Streams.events]) {
      expect((await jsm.streams.info(stream)).config.num_replicas).toBe(3);
    }
  });

  it('opens an existing bucket at the configured replicas and keeps its entries through a node loss', async () => {
    const first = await service(1).bucket('cluster_test');
    await first.put('job-1', 'accepted');
    expect((await first.status()).replicas).toBe(1);

    const three = service(3);
    const bucket = await three.bucket('cluster_test');
    expect((await bucket.status()).replicas).toBe(3);
    expect((await bucket.get('job-1'))?.string()).toBe('accepted');

    // The new copies catch up in the background: lose a node only once both followers are current.
    const jsm = await three.jetstreamManager();
    await eventually(async () => {
      const peers = (await jsm.streams.info('KV_cluster_test')).cluster?.replicas ?? [];
      if (peers.length !== 2 || !peers.every((peer) => peer.current && !peer.lag)) throw new Error('catching up');
    });
    await cluster.nodes[0].stop('SIGKILL');
    try {
      // Any node may have led the bucket: reads and writes fail until the survivors elect a new leader.
      expect(await eventually(async () => (await bucket.get('job-1'))?.string())).toBe('accepted');
      expect(await eventually(() => bucket.put('job-2', 'accepted'))).toBeGreaterThan(0);
      expect(await eventually(async () => (await bucket.get('job-2'))?.string())).toBe('accepted');
    } finally {
      await cluster.nodes[0].start();
    }
  }, 60_000);
});
