import { describe, expect, it, vi } from 'vitest';
import { NatsService } from './nats.service.js';

describe(NatsService.name, () => {
  it('does not keep a failed jetstreamManager(): the next call tries again', async () => {
    const sut = new NatsService({ url: 'nats://127.0.0.1:1', name: 'spec' });
    const connection = vi
      .spyOn(sut, 'connection')
      .mockRejectedValueOnce(new Error('CONNECTION_REFUSED'))
      .mockRejectedValueOnce(new Error('still down'));
    await expect(sut.jetstreamManager()).rejects.toThrow('CONNECTION_REFUSED');
    await expect(sut.jetstreamManager()).rejects.toThrow('still down');
    expect(connection).toHaveBeenCalledTimes(2);
  });

  it('waits for the server on the first connect instead of failing', () => {
    const sut = new NatsService({ url: 'nats://127.0.0.1:1', name: 'spec' });
    expect((sut.client as unknown as { options: { waitOnFirstConnect?: boolean } }).options).toMatchObject({
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
    });
    expect(sut.isConnected()).toBe(false); // never connected: no I/O happened
  });
});
