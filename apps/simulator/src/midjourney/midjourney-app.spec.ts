import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FaultRegistry, type Fault } from '../faults/faults.js';
import { ID_COOKIE, REFRESH_COOKIE, registerMidjourneyApp } from './midjourney-app.js';
import { MidjourneyState, type MjAccount } from './midjourney-state.js';

// The imitated www.midjourney.com at the HTTP level (fastify.inject): auth checks, fault switches and answer shapes
// that the adapter and the system tests rely on.
let app: FastifyInstance;
let state: MidjourneyState;
let faults: FaultRegistry;
let account: MjAccount;

const cookie = (a: MjAccount = account) => `${ID_COOKIE}=${a.idToken}; ${REFRESH_COOKIE}=${a.refreshToken}`;
const api = { 'x-csrf-protection': '1' };

const submitBody = (over: Record<string, unknown> = {}) => ({
  f: { mode: 'fast', private: false },
  channelId: `singleplayer_${account.userId}`,
  roomId: null,
  metadata: {},
  t: 'imagine',
  prompt: 'a fox --ar 1:1 --v 7',
  ...over,
});

const request = (options: InjectOptions) => app.inject(options);
const submit = (over: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  request({
    method: 'POST',
    url: '/api/submit-jobs',
    headers: { cookie: cookie(), ...api, ...headers },
    payload: submitBody(over),
  });
const arm = (fault: Omit<Fault, 'provider'>) => faults.add({ provider: 'midjourney', ...fault });

beforeEach(async () => {
  state = new MidjourneyState({ speed: 0.001, jitter: 0, runningLimit: 3, staggerMs: 0, tokenLifetimeS: 3600 });
  faults = new FaultRegistry();
  account = state.account('default');
  app = Fastify({ logger: false });
  registerMidjourneyApp(app, state, faults, {
    app: 'http://localhost:1',
    cdn: 'http://localhost:2',
    links: 'http://localhost:3',
    host: 'localhost',
  });
  await app.ready();
});

afterEach(async () => {
  vi.useRealTimers();
  await app.close();
});

describe('auth on /api/*', () => {
  it('answers 401 without a session cookie', async () => {
    const res = await request({ method: 'GET', url: '/api/user-mutable-state', headers: api });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'Unauthorized' });
  });

  it('answers 401 without x-csrf-protection: 1, even with a valid session', async () => {
    for (const headers of [{}, { 'x-csrf-protection': '0' }]) {
      const res = await request({
        method: 'GET',
        url: '/api/user-mutable-state',
        headers: { cookie: cookie(), ...headers },
      });
      expect(res.statusCode).toBe(401);
    }
    const ok = await request({ method: 'GET', url: '/api/user-mutable-state', headers: { cookie: cookie(), ...api } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ relax_enabled: true });
  });

  it('answers 401 with an expired id token and while `unauthorized` is armed', async () => {
    const before = account.idToken;
    account.idTokenExp = Math.floor(Date.now() / 1000) - 1;
    expect((await submit()).statusCode).toBe(401);
    state.rotate(account);
    expect(account.idToken).not.toBe(before);
    arm({ fault: 'unauthorized' });
    expect((await submit()).statusCode).toBe(401);
    expect(state.submits).toBe(0);
  });
});

describe('pages and token refresh', () => {
  it('shows the prompt bar when signed in and login links otherwise', async () => {
    const signedIn = await request({ method: 'GET', url: '/imagine', headers: { cookie: cookie() } });
    expect(signedIn.body).toContain('textarea id="desktop_input_bar"');
    expect(signedIn.body).not.toContain('href="/login"');
    const signedOut = await request({ method: 'GET', url: '/imagine' });
    expect(signedOut.body).not.toContain('desktop_input_bar');
    expect(signedOut.body).toContain('/__auth/refresh'); // the page tries a refresh before it shows the login links
  });

  it('rotates both tokens on refresh and answers expires_in as a number', async () => {
    const oldRefresh = account.refreshToken;
    const res = await request({ method: 'POST', url: '/__auth/refresh', headers: { cookie: cookie() } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.expires_in).toBe(3600);
    expect(typeof body.expires_in).toBe('number');
    expect(body.refresh_token).not.toBe(oldRefresh);
    expect(body.id_token).toBe(account.idToken);
    expect(String(res.headers['set-cookie'])).toContain(`${REFRESH_COOKIE}=${account.refreshToken}`);
  });

  it('answers 400 to a refresh of a revoked session', async () => {
    arm({ fault: 'revoked' });
    const res = await request({ method: 'POST', url: '/__auth/refresh', headers: { cookie: cookie() } });
    expect(res.statusCode).toBe(400);
  });

  it('serves the challenge page (403 and the 200 variant) and clears challenge_once after one load', async () => {
    arm({ fault: 'challenge', endpoint: 'page', times: 1 });
    const challenged = await request({ method: 'GET', url: '/imagine', headers: { cookie: cookie() } });
    expect(challenged.statusCode).toBe(403);
    expect(challenged.body).toContain('challenge-platform');
    expect(challenged.body).toContain('Just a moment');

    arm({ fault: 'challenge_200', endpoint: 'page', times: 1 });
    const twoHundred = await request({ method: 'GET', url: '/imagine', headers: { cookie: cookie() } });
    expect(twoHundred.statusCode).toBe(200);
    expect(twoHundred.body).toContain('_cf_chl_opt');

    arm({ fault: 'challenge_once', endpoint: 'page' }); // no `times`: once is what it means
    const first = await request({ method: 'GET', url: '/imagine', headers: { cookie: cookie() } });
    const reload = await request({ method: 'GET', url: '/imagine', headers: { cookie: cookie() } });
    expect(first.statusCode).toBe(403);
    expect(reload.statusCode).toBe(200);
    expect(reload.body).toContain('desktop_input_bar');
    expect(faults.list()).toEqual([]);
  });

  it('serves the challenge on API endpoints too', async () => {
    arm({ fault: 'challenge', endpoint: 'status', times: 1 });
    const res = await request({
      method: 'POST',
      url: '/api/job-status',
      headers: { cookie: cookie(), ...api },
      payload: { jobIds: [] },
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('text/html');
  });
});

describe('POST /api/submit-jobs', () => {
  it('accepts a job with the real answer shape and counts it', async () => {
    const res = await submit();
    expect(res.statusCode).toBe(200);
    const { success, failure } = res.json();
    expect(failure).toEqual([]);
    expect(success).toHaveLength(1);
    expect(success[0]).toMatchObject({
      prompt: 'a fox --ar 1:1 --v 7.0',
      is_queued: false,
      softban: false,
      event_type: 'diffusion',
      flags: { mode: 'fast', visibility: 'public' },
      meta: { width: 1024, height: 1024, batch_size: 4 },
    });
    expect(state.jobs.get(success[0].job_id)).toBeDefined();
    expect(state.submits).toBe(1);
  });

  it.each([
    ['a fox --chaos 500', /Invalid value for --chaos/],
    ['a fox --zoom 2', /Unrecognized parameter/],
    ['a fox --niji 6 --v 7', /Conflicting parameters/],
    ['a fox --ar wide', /Invalid aspect ratio/],
  ])('refuses %s through failure[] with HTTP 200 and creates nothing', async (prompt, message) => {
    const res = await submit({ prompt });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.success).toEqual([]);
    expect(body.failure[0].type).toBe('invalid_parameter');
    expect(body.failure[0].message).toMatch(message);
    expect(state.submits).toBe(0);
  });

  it('refuses another account’s channel with 403 and a bad mode through failure[]', async () => {
    expect((await submit({ channelId: 'singleplayer_someone-else' })).statusCode).toBe(403);
    expect((await submit({ f: { mode: 'ludicrous' } })).json().failure[0].type).toBe('invalid_parameter');
  });

  it('answers 429 with Retry-After while rate_limit is armed', async () => {
    arm({ fault: 'rate_limit', endpoint: 'submit', times: 1 });
    const limited = await submit();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(state.submits).toBe(0);
    expect((await submit()).statusCode).toBe(200);
  });

  it('moderates through failure[] (marker and switch) and soft-bans without creating a job', async () => {
    expect((await submit({ prompt: 'bad [[moderate]]' })).json().failure[0].type).toBe('moderation');
    arm({ fault: 'moderation', endpoint: 'submit', times: 1 });
    expect((await submit()).json().failure[0].type).toBe('moderation');
    const softban = (await submit({ prompt: 'meh [[softban]]' })).json();
    expect(softban.success[0].softban).toBe(true);
    expect(state.jobs.has(softban.success[0].job_id)).toBe(false);
    expect(state.submits).toBe(0);
  });

  it('answers queue_full through failure[]', async () => {
    arm({ fault: 'queue_full', endpoint: 'submit', times: 1 });
    expect((await submit()).json().failure[0]).toEqual({ type: 'queue_full', message: 'Job queue is full' });
  });

  it('accepts a job that is moderated later in its run (marker and switch)', async () => {
    const marked = (await submit({ prompt: 'a fox [[moderate_later]]' })).json().success[0];
    arm({ fault: 'moderated', endpoint: 'submit', times: 1 });
    const switched = (await submit()).json().success[0];
    for (const item of [marked, switched]) {
      const job = state.jobs.get(item.job_id)!;
      expect(job.marker).toBe('moderated');
      expect(state.state(job, job.submittedAt)).toBe('running');
      expect(state.state(job, job.completesAt)).toBe('moderated');
    }
  });

  it('creates the job, then answers the 5xx given (server_error strikes after acceptance by default)', async () => {
    arm({ fault: 'server_error', endpoint: 'submit', status: 504, times: 1 });
    const res = await submit();
    expect(res.statusCode).toBe(504);
    expect(state.submits).toBe(1); // the provider has the job; only its feed can tell
    expect([...state.jobs.values()][0].prompt).toBe('a fox --ar 1:1 --v 7');
  });

  it('refuses before creating anything when server_error is armed with stage before', async () => {
    arm({ fault: 'server_error', endpoint: 'submit', stage: 'before', times: 1 });
    expect((await submit()).statusCode).toBe(503);
    expect(state.submits).toBe(0);
  });

  it('creates the job, then cuts the connection mid-answer on network_drop (a real socket: inject has none)', async () => {
    arm({ fault: 'network_drop', endpoint: 'submit', times: 1 });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${url}/api/submit-jobs`, {
      method: 'POST',
      headers: { cookie: cookie(), ...api, 'content-type': 'application/json' },
      body: JSON.stringify(submitBody()),
    });
    // Status and headers arrive (so no client resends the request by itself); the body never completes.
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(/terminated|other side closed/);
    expect(state.submits).toBe(1);
  });

  it('holds a request with a standalone latency switch, before or after the job exists', async () => {
    arm({ fault: 'latency', endpoint: 'status', latencyMs: 150, times: 1 });
    let started = Date.now();
    const status = await request({
      method: 'POST',
      url: '/api/job-status',
      headers: { cookie: cookie(), ...api },
      payload: { jobIds: [] },
    });
    expect(status.statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    // Long holds: each check below runs while its request is surely still held.
    arm({ fault: 'latency', endpoint: 'submit', latencyMs: 1000, stage: 'after', times: 1 });
    started = Date.now();
    let answered = false;
    const pending = submit().finally(() => (answered = true));
    await vi.waitFor(() => expect(state.submits).toBe(1), { timeout: 900, interval: 5 });
    expect(answered).toBe(false); // created at once, answered late
    expect((await pending).statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);

    arm({ fault: 'latency', endpoint: 'submit', latencyMs: 1000, times: 1 });
    answered = false;
    const held = submit().finally(() => (answered = true));
    // The request arrived (counted) and is held in front of the origin: nothing created yet.
    await vi.waitFor(() => expect(state.requests.submit).toBe(2), { timeout: 900, interval: 5 });
    expect(state.submits).toBe(1);
    expect(answered).toBe(false);
    expect((await held).statusCode).toBe(200);
    expect(state.submits).toBe(2);
  });
});

describe('job status and feed', () => {
  it('reports running with progress, then completed', async () => {
    // The render is a function of the clock: the test moves the clock instead of waiting for it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const id = (await submit()).json().success[0].job_id as string;
    const status = async () =>
      (
        await request({
          method: 'POST',
          url: '/api/job-status',
          headers: { cookie: cookie(), ...api },
          payload: { jobIds: [id, 'unknown'] },
        })
      ).json();
    const first = await status();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ id, batch_size: 4, event_type: 'diffusion' });
    vi.setSystemTime(Date.now() + 60_000); // far past a fast render at speed 0.001 (≈ 30 ms)
    expect((await status())[0]).toMatchObject({ current_status: 'completed', percentage_complete: 100 });
  });

  it('lists the account’s jobs newest first with their enqueue time', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const a = (await submit({ prompt: 'first' })).json().success[0].job_id;
    vi.setSystemTime(Date.now() + 1000); // a later enqueue time
    const b = (await submit({ prompt: 'second' })).json().success[0].job_id;
    const res = await request({
      method: 'GET',
      url: `/api/imagine?user_id=${account.userId}&page_size=10`,
      headers: { cookie: cookie(), ...api },
    });
    const { data, cursor } = res.json();
    expect(data.map((j: { id: string }) => j.id)).toEqual([b, a]);
    expect(Date.parse(data[0].enqueue_time)).toBeGreaterThan(0);
    expect(cursor).toBeNull();
    const other = await request({
      method: 'GET',
      url: `/api/imagine?user_id=someone-else`,
      headers: { cookie: cookie(), ...api },
    });
    expect(other.statusCode).toBe(403);
  });
});
