import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook } from './webhooks.service.js';

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
