import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { NatsService } from '@app/messaging';
import { strictMock } from '../../../../test/strict-mock.js';
import { GatewayException } from '../errors/gateway.exception.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { EventsConsumer, FINAL_EVENT_ATTEMPT } from './events.consumer.js';

const JOB_ID = '0b8f5a52-3c1d-4e7f-9a6b-2d4c8e1f0a37';

const event = (over: Record<string, unknown> = {}) => ({
  jobId: JOB_ID,
  provider: 'midjourney',
  seq: 3,
  status: 'completed',
  at: '2026-03-01T10:00:00.000Z',
  progress: 100,
  result: {
    images: [{ index: 0, url: 'https://files/x.png', bucket: 'b', path: 'p', contentType: 'image/png', size: 3 }],
    providerJobId: 'mj-1',
    text: 'fields vary by operation',
  },
  ...over,
});

/** A JetStream message double that records what the consumer did with it. */
function message(payload: unknown, deliveryCount = 1) {
  const done: string[] = [];
  return {
    done,
    subject: `events.midjourney.${JOB_ID}`,
    info: { deliveryCount },
    json: () => {
      if (payload instanceof Error) throw payload;
      return payload;
    },
    ack: () => void done.push('ack'),
    term: () => void done.push('term'),
    nak: (delay?: number) => void done.push(`nak ${delay}`),
  };
}

function consumer(applyEvent: JobsService['applyEvent'] = () => Promise.resolve(), nats: Partial<NatsService> = {}) {
  const jobs = strictMock<JobsService>('JobsService', { applyEvent });
  return { sut: new EventsConsumer(strictMock<NatsService>('NatsService', nats), jobs), applyEvent: jobs.applyEvent };
}

describe(EventsConsumer.name, () => {
  it('applies a valid event as a contracts instance and acks it', async () => {
    const { sut, applyEvent } = consumer();
    const msg = message(event());
    await sut.handle(msg as never);
    expect(msg.done).toEqual(['ack']);
    expect(applyEvent).toHaveBeenCalledWith(expect.objectContaining({ jobId: JOB_ID, seq: 3 }), {
      finalAttempt: false,
    });
    const [applied] = applyEvent.mock.calls[0] as unknown as [{ result: { text: string } }];
    expect(applied.result.text).toBe('fields vary by operation'); // operation fields pass through untouched
  });

  it.each([
    ['unparsable JSON', new SyntaxError('Unexpected token')],
    ['no job id', event({ jobId: undefined })],
    ['a job id that is no uuid', event({ jobId: 'job-1' })],
    ['an unknown status', event({ status: 'exploded' })],
    ['an unknown provider', event({ provider: 'dalle' })],
    ['a negative sequence', event({ seq: -1 })],
    ['progress above 100', event({ progress: 140 })],
    ['a result that is no object', event({ result: 'done' })],
    ['an error without a code', event({ status: 'failed', error: { message: 'x' } })],
  ])('terminates an event with %s, without applying or retrying it', async (_case, payload) => {
    const { sut, applyEvent } = consumer();
    const msg = message(payload);
    await sut.handle(msg as never);
    expect(msg.done).toEqual(['term']);
    expect(applyEvent).not.toHaveBeenCalled();
  });

  it('lets fields it does not know through (a newer worker may send them)', async () => {
    const { sut, applyEvent } = consumer();
    const msg = message(event({ attempt: 2 }));
    await sut.handle(msg as never);
    expect(msg.done).toEqual(['ack']);
    expect(applyEvent).toHaveBeenCalledWith(expect.objectContaining({ attempt: 2 }), { finalAttempt: false });
  });

  it('naks a failed apply with a backoff that grows per delivery', async () => {
    const { sut } = consumer(() => Promise.reject(new Error('database down')));
    const delays: string[] = [];
    for (const delivery of [1, 2, 3, 4, 8]) {
      const msg = message(event(), delivery);
      await sut.handle(msg as never);
      delays.push(...msg.done);
    }
    expect(delays).toEqual(['nak 1000', 'nak 2000', 'nak 4000', 'nak 8000', 'nak 30000']);
  });

  it('tells the jobs service when a delivery is the final attempt for side effects', async () => {
    const { sut, applyEvent } = consumer();
    await sut.handle(message(event(), FINAL_EVENT_ATTEMPT - 1) as never);
    await sut.handle(message(event(), FINAL_EVENT_ATTEMPT) as never);
    await sut.handle(message(event(), FINAL_EVENT_ATTEMPT + 3) as never);
    expect(applyEvent.mock.calls.map((c) => (c as unknown[])[1])).toEqual([
      { finalAttempt: false },
      { finalAttempt: true },
      { finalAttempt: true },
    ]);
  });

  it('naks quietly while the database is unavailable (the Database handle logs the outage once)', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const { sut } = consumer(() => Promise.reject(new GatewayException('SERVICE_UNAVAILABLE', 'database down')));
      const msg = message(event(), 2);
      await sut.handle(msg as never);
      expect(msg.done).toEqual(['nak 2000']);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('starts in the background: bootstrap returns while NATS is unreachable, shutdown stops the retries', async () => {
    let attempts = 0;
    const { sut } = consumer(undefined, {
      jetstreamManager: () => (attempts++, Promise.reject(new Error('CONNECTION_REFUSED'))),
    });
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(sut.onApplicationBootstrap()).toBeUndefined(); // nothing to await: the app goes on to listen
      await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1)); // the first attempt failed, logged once
      await sut.onApplicationShutdown();
      expect(attempts).toBe(1); // the backoff wait was cut short by the shutdown, no further attempt
    } finally {
      warn.mockRestore();
    }
  });
});
