import { describe, expect, it, vi } from 'vitest';
import type { AccountEntry } from '@app/contracts';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { strictMock } from '../../../../test/strict-mock.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { GatewayException } from '../errors/gateway.exception.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { MjProxyService, proxyIdempotencyKey } from './mjproxy.service.js';

// The proxies' submit codes (new-api charges 1, 21, 22 and disables a channel on 3), decided on strict doubles.

const ready = { signedIn: true, disabled: false } as AccountEntry;

function service(
  pool: AccountEntry[] = [ready],
  position = 1,
): { proxy: MjProxyService; jobs: JobsService; webhooks: WebhooksService } {
  const jobs = strictMock<JobsService>('jobs', { queueOf: async () => ({ position }) });
  const accounts = strictMock<AccountsService>('accounts', { pool: async () => pool });
  const webhooks = strictMock<WebhooksService>('webhooks', { assertAllowed: async () => undefined });
  return { proxy: new MjProxyService(jobs, accounts, webhooks), jobs, webhooks };
}

describe('MjProxyService.submit', () => {
  it('1 submitted, with the job id as result', async () => {
    const job = makeJob();
    const answer = await service().proxy.submit(() => async () => ({ job, created: true }));
    expect(answer).toEqual({
      code: 1,
      description: 'Submit success',
      result: job.id,
      properties: { status: 'SUBMITTED' },
    });
  });

  it('21 for an idempotent resend (with status and imageUrl), 22 when others wait ahead', async () => {
    const job = makeJob();
    expect(await service().proxy.submit(() => async () => ({ job, created: false }))).toMatchObject({
      code: 21,
      result: job.id,
      properties: { status: 'SUBMITTED', imageUrl: null },
    });
    expect(await service([ready], 4).proxy.submit(() => async () => ({ job, created: true }))).toMatchObject({
      code: 22,
      result: job.id,
      properties: { numberOfQueues: 3 },
    });
  });

  it('3 only when no account of the pool can take work (none, all signed out or disabled)', async () => {
    const create = async () => ({ job: makeJob(), created: true });
    for (const pool of [[], [{ signedIn: false, disabled: false } as AccountEntry], [{ ...ready, disabled: true }]]) {
      const { proxy } = service(pool);
      expect((await proxy.submit(() => create)).code).toBe(3);
    }
    const mixed = service([{ ...ready, disabled: true }, ready]);
    expect((await mixed.proxy.submit(() => create)).code).toBe(1);
  });

  it('answers a bad request 4 before it looks at the pool: an empty pool does not make it 3', async () => {
    const answer = await service([]).proxy.submit(() => {
      throw new GatewayException('INVALID_REQUEST', 'base64Array: must be base64');
    });
    expect(answer).toMatchObject({ code: 4, description: 'base64Array: must be base64' });
  });

  it('23 queue full, 24 banned, 4 for what the request got wrong; other errors are thrown', async () => {
    const failing = (code: ConstructorParameters<typeof GatewayException>[0]) => async () => {
      throw new GatewayException(code, `${code} happened`);
    };
    const { proxy } = service();
    expect(await proxy.submit(() => failing('QUEUE_FULL'))).toMatchObject({ code: 23, result: null });
    expect(await proxy.submit(() => failing('CONTENT_REJECTED'))).toMatchObject({ code: 24 });
    expect(await proxy.submit(() => failing('ACTION_NOT_ALLOWED'))).toMatchObject({
      code: 4,
      description: 'ACTION_NOT_ALLOWED happened',
      properties: { error_code: 'ACTION_NOT_ALLOWED' },
    });
    expect(await proxy.submit(() => failing('NOT_SUPPORTED'))).toMatchObject({ code: 4 });
    await expect(proxy.submit(() => failing('SERVICE_UNAVAILABLE'))).rejects.toThrow('SERVICE_UNAVAILABLE happened');
  });

  it('checks a notifyHook with the webhook guard before submitting', async () => {
    const { proxy, webhooks } = service();
    vi.mocked(webhooks.assertAllowed).mockRejectedValueOnce(
      new GatewayException('FORBIDDEN_HOST', 'webhook_url: private host', undefined, 400),
    );
    let created = false;
    const answer = await proxy.submit(
      () => async () => {
        created = true;
        return { job: makeJob(), created: true };
      },
      'http://127.0.0.1/hook',
    );
    expect(answer.code).toBe(4);
    expect(created).toBe(false);
  });
});

describe('proxyIdempotencyKey', () => {
  it('the header wins; else derived only when state is given, stable per route and body', () => {
    expect(proxyIdempotencyKey('imagine', { prompt: 'a', state: 's' }, 'given')).toBe('given');
    expect(proxyIdempotencyKey('imagine', { prompt: 'a' })).toBeUndefined();
    const a = proxyIdempotencyKey('imagine', { prompt: 'a', state: 's' });
    expect(a).toMatch(/^mj:[0-9a-f]{64}$/);
    expect(proxyIdempotencyKey('imagine', { prompt: 'a', state: 's' })).toBe(a);
    expect(proxyIdempotencyKey('imagine', { prompt: 'b', state: 's' })).not.toBe(a);
    expect(proxyIdempotencyKey('describe', { prompt: 'a', state: 's' })).not.toBe(a);
  });
});
