import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { KEYS, serviceDouble, wiringApp } from '../../../../test/gateway-wiring.js';
import { JobStreamService } from '../jobs/job-stream.service.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { JobsController } from '../jobs/jobs.controller.js';
import { JobsService } from '../jobs/jobs.service.js';
import { SessionController } from './session.controller.js';

// Sessions through the real guard, pipe and filter: the cookie stands in for the key on any route, with its scopes,
// and changes made with it need the CSRF token.
let app: NestFastifyApplication;
const job = makeJob({ status: 'processing', provider: 'midjourney' });

beforeAll(async () => {
  app = await wiringApp(
    [SessionController, JobsController],
    [
      {
        provide: JobsService,
        useValue: serviceDouble<JobsService>('JobsService', {
          list: async () => ({ data: [job], next_cursor: null }),
          cancel: async () => ({ ...job, status: 'canceled' }),
        }),
      },
      { provide: JobStreamService, useValue: serviceDouble<JobStreamService>('JobStreamService') },
      { provide: AccountsService, useValue: serviceDouble<AccountsService>('AccountsService') },
    ],
  );
});
afterAll(async () => {
  await app?.close();
});

async function signIn(key: string) {
  const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { api_key: key } });
  expect(res.statusCode).toBe(200);
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  return { cookie, csrf: res.json<{ csrf_token: string }>().csrf_token };
}

describe(SessionController.name, () => {
  it('signs in with a key and reads routes with the cookie alone', async () => {
    const { cookie } = await signIn(KEYS.all);
    const res = await app.inject({ method: 'GET', url: '/v1/jobs', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).json()).toMatchObject({
      key: { name: 'all', scopes: ['*'] },
    });
  });

  it.each([
    ['an expired key', KEYS.expired],
    ['a revoked key', KEYS.revoked],
    ['an unknown key', 'gw_nobody'],
  ])('refuses to sign in with %s (401)', async (_case, key) => {
    const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { api_key: key } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('needs the CSRF token for changes made with the cookie', async () => {
    const { cookie, csrf } = await signIn(KEYS.all);
    const url = `/v1/jobs/${job.id}/cancel`;
    const without = await app.inject({ method: 'POST', url, headers: { cookie } });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('CSRF_REJECTED');
    const withToken = await app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf } });
    expect(withToken.statusCode).toBe(200);
  });

  it('keeps an explicit key header first: no CSRF token needed, the key’s own scopes apply', async () => {
    const { cookie } = await signIn(KEYS.all);
    const res = await app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/cancel`,
      headers: { cookie, 'x-api-key': KEYS.midjourney },
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 without key or cookie, and signs out by clearing the cookie', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/session' })).statusCode).toBe(401);
    const { cookie, csrf } = await signIn(KEYS.ideogram);
    const out = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^gw_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
  });
});
