import { Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { strictMock } from '../../../../test/strict-mock.js';
import { GatewayException } from '../errors/gateway.exception.js';
import type { SqlClient } from '../persistence/sql-client.js';
import { LOOKUP_TIMEOUT_CODE } from '@app/net';
import { WebhookRefused, type WebhookSender } from './webhook-sender.js';
import { Webhook } from 'standardwebhooks';
import {
  WebhookConfig,
  WebhooksService,
  signWebhook,
  standardWebhookHeaders,
  webhookSecrets,
} from './webhooks.service.js';

describe('signWebhook', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, verifiable by any receiver', () => {
    const body = JSON.stringify({ event: 'job.completed', job: { id: 'j' } });
    const header = signWebhook('whsec', body, 1_700_000_000);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match?.[1]).toBe('1700000000');
    expect(match?.[2]).toBe(createHmac('sha256', 'whsec').update(`1700000000.${body}`).digest('hex'));
  });

  it('changes with the body, the timestamp and the secret', () => {
    const base = signWebhook('s', '{}', 1);
    expect(signWebhook('s', '{ }', 1)).not.toBe(base);
    expect(signWebhook('s', '{}', 2)).not.toBe(base);
    expect(signWebhook('t', '{}', 1)).not.toBe(base);
  });
});

// Verified with the standardwebhooks package (the reference implementation), not only with our own HMAC.
describe('Standard Webhooks signature', () => {
  const secret = `whsec_${Buffer.from('a secret of thirty-two bytes!!!!').toString('base64')}`;
  const body = JSON.stringify({ id: 'j1', status: 'SUCCESS', progress: '100%' });

  it('verifies with the standardwebhooks library, and fails for another body or secret', () => {
    const headers = standardWebhookHeaders([secret], 'msg_41', body);
    expect(headers['webhook-id']).toBe('msg_41');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    const other = `whsec_${Buffer.from('another secret, also 32 bytes!!!').toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
  });

  it('signs with both secrets during a rotation: a receiver holding either verifies', () => {
    const next = `whsec_${Buffer.from('the next secret, 32 bytes long!!').toString('base64')}`;
    const secrets = webhookSecrets(` ${secret} , ${next} `);
    expect(secrets).toEqual([secret, next]);
    const headers = standardWebhookHeaders(secrets, 'msg_7', body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(secret).verify(body, headers)).toBeTruthy();
    expect(new Webhook(next).verify(body, headers)).toBeTruthy();
  });

  it('a plain (non-whsec_) secret signs with its UTF-8 bytes: whsec_ + base64 of it verifies', () => {
    const headers = standardWebhookHeaders(['plain-secret'], 'msg_1', body);
    const asStandard = `whsec_${Buffer.from('plain-secret').toString('base64')}`;
    expect(new Webhook(asStandard).verify(body, headers)).toBeTruthy();
  });

  it('a stale timestamp is refused by the library (replay protection)', () => {
    const headers = standardWebhookHeaders([secret], 'msg_1', body, Math.floor(Date.now() / 1000) - 3600);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow();
  });
});

const due = (attempts: number) => ({
  id: '41',
  url: 'https://hooks.example/job',
  payload: { event: 'job.completed', job: { id: 'j1' } },
  attempts,
  job_id: 'j1',
  event: 'job.completed',
});

/** What the service wrote after an attempt: the parameters of its UPDATE … SET attempts. */
interface Recorded {
  attempts: number;
  status: string;
  delayMs: number;
}

/**
 * The delivery loop is driven one step at a time (`deliverDue`), with a database double that answers the claim
 * with `rows` and records the outcome UPDATE, and a fetch double: no timers, no network.
 */
function setup(rows: ReturnType<typeof due>[] | (() => Promise<ReturnType<typeof due>[]>), answer: number | Error) {
  const recorded: Recorded[] = [];
  const claims: string[] = [];
  const sql = strictMock<SqlClient>('SqlClient', {
    query: <T>(text: string, params: unknown[] = []) => {
      if (text.includes('RETURNING id, url')) {
        claims.push(text);
        return (typeof rows === 'function' ? rows() : Promise.resolve(rows)) as Promise<T[]>;
      }
      if (text.includes('SET attempts')) {
        recorded.push({ attempts: params[1] as number, status: params[4] as string, delayMs: params[5] as number });
        return Promise.resolve([]);
      }
      throw new Error(`unexpected statement: ${text}`);
    },
  });
  const sender = strictMock<WebhookSender>('WebhookSender', {
    post: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
  });
  const config = Object.assign(new WebhookConfig(), { secret: 'whsec', retryDelaysMs: [1_000, 5_000, 60_000] });
  return { sut: new WebhooksService(sql, config, sender), sql, fetch: sender.post, recorded, claims };
}

describe(WebhooksService.name, () => {
  let warn: ReturnType<typeof vi.spyOn>;
  let log: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('delivers a due webhook signed, with its delivery id, and records it delivered', async () => {
    const { sut, fetch, recorded } = setup([due(0)], 204);
    await sut.deliverDue();
    const [url, headers] = vi.mocked(fetch).mock.calls[0];
    expect(url).toBe('https://hooks.example/job');
    expect(headers['x-gateway-delivery']).toBe('41');
    expect(headers['x-gateway-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(recorded).toEqual([{ attempts: 1, status: 'delivered', delayMs: 0 }]);
    const body = vi.mocked(fetch).mock.calls[0][2];
    expect(new Webhook(`whsec_${Buffer.from('whsec').toString('base64')}`).verify(body, headers)).toEqual(
      due(0).payload,
    );
  });

  it('a retry carries the same webhook-id (the delivery id), still verifiable', async () => {
    const first = setup([due(0)], 500);
    await first.sut.deliverDue();
    const second = setup([due(1)], 204);
    await second.sut.deliverDue();
    const ids = [first, second].map((run) => vi.mocked(run.fetch).mock.calls[0][1]['webhook-id']);
    expect(ids).toEqual(['msg_41', 'msg_41']);
    const [, headers, body] = vi.mocked(second.fetch).mock.calls[0];
    expect(new Webhook(`whsec_${Buffer.from('whsec').toString('base64')}`).verify(body, headers)).toBeTruthy();
  });

  it('schedules a retry after a failed attempt, by the configured schedule', async () => {
    const first = setup([due(0)], 500);
    await first.sut.deliverDue();
    expect(first.recorded).toEqual([{ attempts: 1, status: 'pending', delayMs: 1_000 }]);
    const second = setup([due(1)], new Error('ECONNREFUSED'));
    await second.sut.deliverDue();
    expect(second.recorded).toEqual([{ attempts: 2, status: 'pending', delayMs: 5_000 }]);
  });

  it('gives up after the last retry: status failed, nothing scheduled', async () => {
    const { sut, recorded } = setup([due(3)], 503); // 1 attempt + 3 retries already made
    await sut.deliverDue();
    expect(recorded).toEqual([{ attempts: 4, status: 'failed', delayMs: 0 }]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/given up after 4 attempts/));
  });

  it('fails a delivery the guard refuses at once, with the reason, and never retries it', async () => {
    const { sut, recorded } = setup([due(0)], new WebhookRefused('localhost is a loopback name'));
    await sut.deliverDue();
    expect(recorded).toEqual([{ attempts: 1, status: 'failed', delayMs: 0 }]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/refused: localhost is a loopback name/));
  });

  it('keeps retrying until the last one: the attempt before it is still pending', async () => {
    const { sut, recorded } = setup([due(2)], 503);
    await sut.deliverDue();
    expect(recorded).toEqual([{ attempts: 3, status: 'pending', delayMs: 60_000 }]);
  });

  it('sends each delivery once: a step while one runs does nothing, and claims are leased and skip locked rows', async () => {
    let release!: (rows: ReturnType<typeof due>[]) => void;
    const { sut, fetch, claims } = setup(() => new Promise((resolve) => (release = resolve)), 204);
    const first = sut.deliverDue();
    await sut.deliverDue(); // the loop's next tick while the first is still claiming
    release([due(0)]);
    await first;
    expect(claims).toHaveLength(1);
    expect(fetch).toHaveBeenCalledTimes(1);
    // Another replica's claim neither waits for nor takes the rows this one holds, and they are not due again
    // before the attempt is recorded.
    expect(claims[0]).toMatch(/FOR UPDATE SKIP LOCKED/);
    expect(claims[0]).toMatch(/SET next_attempt_at = now\(\) \+/);
  });

  it('records one delivery per job and event, whatever enqueues it again', async () => {
    const statements: string[] = [];
    const sql = strictMock<SqlClient>('SqlClient', {
      query: <T>(text: string) => {
        statements.push(text);
        return Promise.resolve([] as T[]); // the claim finds nothing due
      },
    });
    const sut = new WebhooksService(sql, new WebhookConfig(), strictMock<WebhookSender>('WebhookSender'));
    const job = makeJob({ status: 'completed', webhookUrl: 'https://hooks.example/job' });
    await sut.enqueue(job);
    expect(statements[0]).toMatch(/ON CONFLICT \(job_id, event\) DO NOTHING/);
    await sut.enqueue(makeJob({ webhookUrl: null }));
    expect(statements.filter((s) => s.startsWith('INSERT'))).toHaveLength(1); // no URL, no delivery
  });

  it('honours the job’s webhook_events: progress goes through the row’s throttle gate, start once', async () => {
    const statements: Array<{ text: string; params: unknown[] }> = [];
    const sql = strictMock<SqlClient>('SqlClient', {
      query: <T>(text: string, params: unknown[] = []) => {
        statements.push({ text, params });
        return Promise.resolve([] as T[]);
      },
    });
    const sut = new WebhooksService(sql, new WebhookConfig(), strictMock<WebhookSender>('WebhookSender'));
    const job = makeJob({
      status: 'processing',
      progress: 60,
      webhookUrl: 'https://hooks.example/job',
      webhookEvents: ['start', 'progress'],
    });
    await sut.enqueue(job);
    const inserts = statements.filter((s) => /INSERT INTO webhook_deliveries/.test(s.text));
    expect(inserts.map((s) => s.params[1])).toEqual(['job.started', 'job.progress.60']);
    const gate = inserts[1];
    expect(gate.text).toMatch(/UPDATE jobs SET webhook_progress_at = now\(\)/);
    expect(gate.text).toMatch(/webhook_progress_at <= now\(\) - make_interval\(secs => \$5\)/);
    expect(gate.params[4]).toBe(2);
    expect(JSON.parse(gate.params[3] as string)).toMatchObject({ event: 'job.progress', job: { progress: 60 } });
    statements.length = 0;
    await sut.enqueue({ ...job, status: 'completed' }); // completed was not asked for
    expect(statements.filter((s) => s.text.startsWith('INSERT'))).toEqual([]);
  });

  it('refuses a webhook_url whose host does not resolve in time with 400 FORBIDDEN_HOST, not a hang', async () => {
    const sender = strictMock<WebhookSender>('WebhookSender', {
      refusal: () =>
        Promise.reject(
          Object.assign(new Error('slow.invalid did not resolve within 2000 ms'), { code: LOOKUP_TIMEOUT_CODE }),
        ),
    });
    const sut = new WebhooksService(strictMock<SqlClient>('SqlClient'), new WebhookConfig(), sender);
    const error = await sut.assertAllowed('https://slow.invalid/hook').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayException);
    expect(error).toMatchObject({ code: 'FORBIDDEN_HOST', status: 400 });
    expect(JSON.stringify((error as GatewayException).details)).toContain('webhook_url');
  });

  it('passes other failures of the check through', async () => {
    const sender = strictMock<WebhookSender>('WebhookSender', { refusal: () => Promise.reject(new Error('boom')) });
    const sut = new WebhooksService(strictMock<SqlClient>('SqlClient'), new WebhookConfig(), sender);
    await expect(sut.assertAllowed('https://hooks.example/x')).rejects.toThrow('boom');
  });

  it('logs a database outage once when it starts and once when it ends, not on every step', async () => {
    let down = true;
    const { sut } = setup(() => (down ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve([])), 204);
    for (let i = 0; i < 5; i++) await sut.deliverDue();
    expect(warn).toHaveBeenCalledTimes(1);
    down = false;
    await sut.deliverDue();
    await sut.deliverDue();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/works again/));
  });

  it('stays quiet while the database is opening or unreachable: the Database handle logs that itself', async () => {
    const { sut, recorded } = setup(
      () => Promise.reject(new GatewayException('SERVICE_UNAVAILABLE', 'The database is not reachable')),
      204,
    );
    for (let i = 0; i < 3; i++) await sut.deliverDue();
    expect(warn).not.toHaveBeenCalled();
    expect(recorded).toEqual([]);
  });
});
