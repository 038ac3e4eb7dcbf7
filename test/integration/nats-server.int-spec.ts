import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStreams, requestChunks, replyInChunks, CHUNK_SIZE } from '@app/messaging';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type TestNatsServer } from './nats-server.js';

describe('test NATS server and chunked transfer', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('creates the streams and moves a file larger than the NATS payload limit in chunks', async () => {
    const nc = await connect({ servers: server.url });
    await ensureStreams(await jetstreamManager(nc));
    await ensureStreams(await jetstreamManager(nc)); // idempotent
    const names = [];
    for await (const s of (await jetstreamManager(nc)).streams.list()) names.push(s.config.name);
    expect(names.sort()).toEqual(['JOBS', 'JOB_EVENTS']);

    const big = Buffer.alloc(CHUNK_SIZE * 5 + 123, 7);
    big[big.length - 1] = 42;
    const sub = nc.subscribe('test.file');
    void (async () => {
      for await (const msg of sub) replyInChunks(nc, msg.reply!, big, 'image/png');
    })();
    const got = await requestChunks(nc, 'test.file', { url: 'x' }, 5000);
    expect(got.contentType).toBe('image/png');
    expect(got.bytes.equals(big)).toBe(true);

    await expect(requestChunks(nc, 'nobody.here', {}, 2000)).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
    await nc.close();
  });
});
