import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { of } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { KEYS, serviceDouble, wiringApp } from '../../../../test/gateway-wiring.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { JobStreamService } from './job-stream.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';

// Wiring of /v1/jobs: ids, queries, status codes and auth through the real pipe, guard and filter.
const job = makeJob({ status: 'processing' });
const get = vi.fn();
const list = vi.fn();
const cancel = vi.fn();
const open = vi.fn();
const queueOf = vi.fn();
const accountFor = vi.fn();
let app: NestFastifyApplication;

const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = { 'x-api-key': KEYS.all }) =>
  app.inject({ method, url, headers });
const post = (url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, headers: { 'x-api-key': KEYS.all }, payload: payload as object });

beforeAll(async () => {
  app = await wiringApp(
    [JobsController],
    [
      { provide: JobsService, useValue: serviceDouble<JobsService>('JobsService', { get, list, cancel, queueOf }) },
      { provide: AccountsService, useValue: serviceDouble<AccountsService>('AccountsService', { accountFor }) },
      { provide: JobStreamService, useValue: serviceDouble<JobStreamService>('JobStreamService', { open }) },
    ],
  );
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  for (const fn of [get, list, cancel, open, queueOf, accountFor]) fn.mockReset();
  get.mockResolvedValue(job);
  cancel.mockResolvedValue({ ...job, status: 'canceled' });
  list.mockResolvedValue({ data: [job], next_cursor: null });
  open.mockResolvedValue(of({ type: 'job', data: { id: job.id } }));
});

describe('GET /v1/jobs/:id', () => {
  it('answers the job view', async () => {
    const res = await call('GET', `/v1/jobs/${job.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: job.id,
      status: 'processing',
      links: { cancel: `/v1/jobs/${job.id}/cancel` },
    });
  });

  it('shows a pending Midjourney job its place and the account it will run on, with the account’s own mode', async () => {
    const pending = makeJob({ status: 'pending', provider: 'midjourney', input: { prompt: 'a fox', account: 'alt' } });
    get.mockResolvedValueOnce(pending);
    queueOf.mockResolvedValueOnce({ position: 3, mode: 'fast' });
    accountFor.mockResolvedValueOnce({
      account: 'alt',
      state: 'ready',
      disabled: false,
      plan: { mode: 'relax', fastHoursLeft: 2.5, relaxEnabled: true },
    });
    const res = await call('GET', `/v1/jobs/${pending.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().queue).toEqual({
      position: 3,
      mode: 'fast',
      account: { name: 'alt', state: 'ready', mode: 'relax', fast_hours_left: 2.5, relax_enabled: true },
    });
    expect(accountFor).toHaveBeenCalledWith('midjourney', 'alt');
  });

  it('leaves the account out while several accounts could take the job', async () => {
    const pending = makeJob({ status: 'pending', provider: 'midjourney', input: { prompt: 'a fox' } });
    get.mockResolvedValueOnce(pending);
    queueOf.mockResolvedValueOnce({ position: 1 });
    accountFor.mockResolvedValueOnce(undefined);
    const res = await call('GET', `/v1/jobs/${pending.id}`);
    expect(res.json().queue).toEqual({ position: 1 });
    expect(accountFor).toHaveBeenCalledWith('midjourney', undefined);
  });

  it('answers 404 for an unknown job', async () => {
    get.mockRejectedValueOnce(new GatewayException('NOT_FOUND', `No job ${job.id}`));
    const res = await call('GET', `/v1/jobs/${job.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});

describe('malformed job ids', () => {
  it.each([
    ['GET', '/v1/jobs/not-a-uuid'],
    ['GET', '/v1/jobs/123'],
    ['POST', '/v1/jobs/not-a-uuid/cancel'],
    ['POST', `/v1/jobs/${'0'.repeat(36)}/cancel`],
    ['GET', '/v1/jobs/not-a-uuid/events'],
    ['GET', "/v1/jobs/'%20OR%201=1/events"],
  ] as const)('%s %s answers 404 NOT_FOUND without reaching the service', async (method, url) => {
    const res = await call(method, url);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such job' } });
    for (const fn of [get, cancel, open]) expect(fn).not.toHaveBeenCalled();
  });
});

describe('POST /v1/jobs/:id/cancel', () => {
  it('answers 200 with the canceled job', async () => {
    const res = await call('POST', `/v1/jobs/${job.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('canceled');
    expect(cancel.mock.calls[0][1]).toBe(job.id);
  });

  it('answers 409 JOB_FINISHED for a job that already ended', async () => {
    cancel.mockRejectedValueOnce(new GatewayException('JOB_FINISHED', 'already completed'));
    const res = await call('POST', `/v1/jobs/${job.id}/cancel`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('JOB_FINISHED');
  });
});

describe('GET /v1/jobs/:id/events', () => {
  it('opens a server-sent event stream', async () => {
    const res = await call('GET', `/v1/jobs/${job.id}/events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    expect(res.body).toContain('event: job');
    expect(open.mock.calls[0][1]).toBe(job.id);
  });
});

describe('GET /v1/jobs', () => {
  it('passes typed filters and answers the page', async () => {
    const res = await call('GET', '/v1/jobs?provider=midjourney&status=processing&limit=5');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ data: [{ id: job.id }], next_cursor: null });
    expect(list.mock.calls[0][1]).toMatchObject({ provider: 'midjourney', status: 'processing', limit: 5 });
  });

  it.each([
    ['a limit above 100', '/v1/jobs?limit=1000'],
    ['a limit that is no number', '/v1/jobs?limit=all'],
    ['an unknown status', '/v1/jobs?status=exploded'],
    ['an unknown provider', '/v1/jobs?provider=dalle'],
    ['an unknown parameter (/v1 is strict)', '/v1/jobs?cb=123'],
  ])('answers 400 INVALID_REQUEST for %s', async (_case, url) => {
    const res = await call('GET', url);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(list).not.toHaveBeenCalled();
  });
});

describe('auth on /v1/jobs', () => {
  it.each([
    ['no key', {}],
    ['an unknown key', { 'x-api-key': 'gw_unknown' }],
    ['an expired key', { 'x-api-key': KEYS.expired }],
    ['a revoked key', { 'x-api-key': KEYS.revoked }],
  ])('refuses %s with 401 on every route', async (_case, headers) => {
    for (const [method, url] of [
      ['GET', '/v1/jobs'],
      ['GET', `/v1/jobs/${job.id}`],
      ['POST', `/v1/jobs/${job.id}/cancel`],
      ['GET', `/v1/jobs/${job.id}/events`],
    ] as const) {
      const res = await call(method, url, headers);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
    for (const fn of [get, list, cancel, open]) expect(fn).not.toHaveBeenCalled();
  });

  it('lets any valid key through: scope is checked per job by the service', async () => {
    expect((await call('GET', `/v1/jobs/${job.id}`, { 'x-api-key': KEYS.ideogram })).statusCode).toBe(200);
    expect(get.mock.calls[0][0].scopes).toEqual(['ideogram']);
  });
});

describe('POST /v1/jobs/batch-get', () => {
  it('answers the jobs found in order and the ids not found', async () => {
    const other = makeJob({ status: 'completed' });
    const unknown = '00000000-0000-4000-8000-000000000000';
    get.mockImplementation(async (_key: unknown, id: string) => {
      if (id === unknown) throw new GatewayException('NOT_FOUND', `No job ${id}`);
      return id === job.id ? job : other;
    });
    const res = await post('/v1/jobs/batch-get', { ids: [other.id, unknown, job.id, other.id] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data.map((j: { id: string }) => j.id)).toEqual([other.id, job.id]);
    expect(body.missing).toEqual([unknown]);
  });

  it('refuses more than 100 ids, none, or a non-uuid with 400 before any read', async () => {
    const ids = Array.from({ length: 101 }, () => job.id);
    for (const payload of [{ ids }, { ids: [] }, { ids: ['x'] }, {}]) {
      const res = await post('/v1/jobs/batch-get', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    }
    expect(get).not.toHaveBeenCalled();
  });
});
