import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';
import { startImageServer } from './image-server.js';

// The midjourney-proxy API as new-api's Midjourney relay drives it: the key in mj-api-secret, submits read by their
// code (1/21/22 charged), tasks polled through list-by-condition until progress is "100%", follow-ups sent as the
// customId of a button. Imagine → U2 → V1 → describe, an idempotent resend, a failure; notifyHook deliveries are
// checked with the standardwebhooks library. One system for the file: the machine is small.
const SECRET = `whsec_${Buffer.from('mj-proxy spec secret, 32 bytes!!').toString('base64')}`;
/** A 1×1 PNG, as proxy clients send images: a data: URL, or bare base64. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PNG_DATA_URL = `data:image/png;base64,${PNG_BASE64}`;
/** Codes new-api charges as accepted: submitted, or queued behind the tasks already running. */
const ACCEPTED = [1, 22];

describe('Midjourney-proxy API (/mj/*) as new-api relays it', () => {
  const system = new TestSystem({ simSpeed: 0.03, gatewayEnv: { WEBHOOK_SECRET: SECRET } });
  let images: { server: Server; url: string };
  let hook: Server;
  let hookUrl = '';
  const received: Array<{ headers: IncomingHttpHeaders; body: string; path: string }> = [];
  /** Every delivery to the hook verifies with the Standard Webhooks library; the parsed payloads of one path. */
  const verifiedAt = (path: string) =>
    received
      .filter((r) => r.path === path)
      .map((r) => new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>) as any);

  /** A relay's call: only mj-api-secret (with the Bearer prefix some relays send), never x-api-key. */
  const mj = async (
    method: string,
    path: string,
    body?: unknown,
    secret: string | null = `Bearer ${system.apiKey}`,
  ) => {
    const res = await fetch(`${system.gatewayUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(secret === null ? {} : { 'mj-api-secret': secret }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  /** new-api's poll: list-by-condition until the task's progress reads "100%". */
  const finished = (id: string) =>
    waitFor(
      `task ${id} at 100%`,
      async () => {
        const listed = await mj('POST', '/mj/task/list-by-condition', { ids: [id] });
        const task = listed.body.find((t: any) => t.id === id);
        return task?.progress === '100%' ? task : undefined;
      },
      90_000,
    );

  beforeAll(async () => {
    await system.start();
    images = await startImageServer();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body, path: req.url ?? '' });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const address = hook.address();
    hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/notify`;
    // Code 3 is reserved for "no account can work": wait until the worker has registered its account.
    await waitFor(
      'a signed-in Midjourney account',
      async () =>
        ((await system.api('GET', '/v1/accounts')).body.data as any[] | undefined)?.find(
          (a) => a.provider === 'midjourney' && a.signedIn,
        ),
      60_000,
    );
  }, 240_000);

  afterAll(async () => {
    images?.server.close();
    hook?.close();
    await system.stop();
  });

  it('documents every /mj/* route in OpenAPI with a summary', async () => {
    const doc = (await system.api('GET', '/openapi.json')).body;
    const mjPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/mj/'));
    expect(mjPaths).toEqual(expect.arrayContaining(['/mj/submit/imagine', '/mj/task/list-by-condition']));
    expect(mjPaths.length).toBeGreaterThanOrEqual(13);
    for (const path of mjPaths) {
      for (const [method, operation] of Object.entries(doc.paths[path] as Record<string, any>)) {
        expect(operation.summary, `${method} ${path}`).toBeTruthy();
      }
    }
    expect(doc.paths['/v1/jobs/batch-get']?.post?.summary).toBeTruthy();
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.MjImagineBody.properties)).toEqual(
      expect.arrayContaining(['base64Array', 'botType', 'accountFilter', 'notifyHook']),
    );
    // webhook_events is documented on the /v1 routes that take a webhook_url, one per provider here.
    for (const name of ['ImagineDto', 'GenerateDto', 'ConversationDto']) {
      expect(schemas[name]?.properties?.webhook_events, name).toMatchObject({ type: 'array' });
    }
  });

  it('refuses a missing or wrong key with 401 in the proxies’ shape', async () => {
    const missing = await mj('POST', '/mj/submit/imagine', { prompt: 'x' }, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: 401, result: null });
    expect(missing.body.description).toBeTruthy();
    const wrong = await mj('GET', '/mj/task/00000000-0000-4000-8000-000000000000/fetch', undefined, 'gw_wrong');
    expect([wrong.status, wrong.body.code]).toEqual([401, 401]);
  });

  it('imagine → U2 → V1 through buttons, an idempotent resend, notifyHook signed to Standard Webhooks', async () => {
    const body = { prompt: 'a lighthouse at dusk', state: 'relay-42', notifyHook: hookUrl, botType: 'MID_JOURNEY' };
    const submitted = await mj('POST', '/mj/submit/imagine', body);
    expect(submitted.status).toBe(200);
    expect(submitted.body.code).toBe(1);
    const id = submitted.body.result as string;

    const resent = await mj('POST', '/mj/submit/imagine', body);
    expect(resent.body).toMatchObject({ code: 21, result: id });

    const grid = await finished(id);
    expect(grid).toMatchObject({ id, action: 'IMAGINE', status: 'SUCCESS', state: 'relay-42', failReason: null });
    expect(grid.imageUrl).toMatch(/\/files\//);
    expect(grid.imageUrls).toHaveLength(4);
    expect(grid.finishTime).toBeGreaterThanOrEqual(grid.submitTime);
    const listed = await mj('POST', '/mj/task/list-by-condition', {
      ids: [id, '00000000-0000-4000-8000-000000000000', 'not-a-task'],
    });
    expect(listed.body.map((t: any) => t.id)).toEqual([id]); // unknown ids left out
    const fetched = await mj('GET', `/mj/task/${id}/fetch`);
    expect(fetched.body.buttons).toEqual(grid.buttons);
    expect((await system.api('GET', `/v1/jobs/${id}`)).body.status).toBe('completed'); // one job underneath

    const u2 = grid.buttons.find((b: any) => b.label === 'U2');
    expect(u2.customId).toMatch(/^MJ::JOB::upsample::2::/);
    const upscale = await mj('POST', '/mj/submit/action', { taskId: id, customId: u2.customId });
    expect(upscale.body.code).toBe(1);
    const upscaled = await finished(upscale.body.result);
    expect(upscaled).toMatchObject({ action: 'UPSCALE', status: 'SUCCESS' });
    expect(upscaled.imageUrls).toHaveLength(1);
    expect(upscaled.imageUrl).toBe(upscaled.imageUrls[0].url);
    expect(upscaled.buttons.map((b: any) => b.label)).toEqual(
      expect.arrayContaining(['Vary (Subtle)', 'Vary (Strong)']),
    );
    expect(upscaled.buttons.some((b: any) => b.label.startsWith('U'))).toBe(false);

    const v1 = await mj('POST', '/mj/submit/simple-change', { content: `${id} V1` });
    expect(v1.body.code).toBe(1);
    expect(await finished(v1.body.result)).toMatchObject({ action: 'VARIATION', status: 'SUCCESS' });

    // notifyHook: the Task JSON on every status change, each verifiable with the Standard Webhooks library.
    const success = await waitFor(
      'the SUCCESS notification',
      async () => received.find((r) => JSON.parse(r.body).id === id && JSON.parse(r.body).status === 'SUCCESS'),
      30_000,
    );
    const verified = new Webhook(SECRET).verify(success.body, success.headers as Record<string, string>) as any;
    expect(verified).toMatchObject({ id, status: 'SUCCESS', progress: '100%', state: 'relay-42' });
    expect(() => new Webhook(SECRET).verify(`${success.body} `, success.headers as Record<string, string>)).toThrow();
    // SUBMITTED, then IN_PROGRESS, then SUCCESS: each status once (IN_PROGRESS once per progress value), all signed.
    const statuses = verifiedAt('/notify')
      .filter((task) => task.id === id)
      .map((task) => task.status as string);
    expect(statuses.filter((status) => status === 'SUBMITTED')).toHaveLength(1);
    expect(statuses).toContain('IN_PROGRESS');
    expect(statuses.filter((status) => status === 'SUCCESS')).toHaveLength(1);
  });

  it('images as base64: imagine with base64Array, describe with base64, blend with base64Array', async () => {
    const imagine = await mj('POST', '/mj/submit/imagine', {
      prompt: 'a lighthouse, as the image shows',
      base64Array: [PNG_DATA_URL],
    });
    expect(ACCEPTED).toContain(imagine.body.code);
    const described = await mj('POST', '/mj/submit/describe', { base64: PNG_DATA_URL });
    expect(ACCEPTED).toContain(described.body.code);
    const blended = await mj('POST', '/mj/submit/blend', {
      base64Array: [PNG_DATA_URL, PNG_BASE64],
      dimensions: 'LANDSCAPE',
    });
    expect(ACCEPTED).toContain(blended.body.code);

    const grid = await finished(imagine.body.result);
    expect(grid).toMatchObject({ action: 'IMAGINE', status: 'SUCCESS' });
    expect(grid.imageUrls).toHaveLength(4);
    const job = (await system.api('GET', `/v1/jobs/${imagine.body.result}`)).body;
    expect(job.input.uploads).toEqual([
      {
        bucket: 'midjourney-uploads',
        path: expect.stringMatching(/^uploads\/[0-9a-f]{64}\.png$/),
        contentType: 'image/png',
      },
    ]);
    // The worker uploaded the image to the site and led the prompt with the site's URL of it.
    expect(job.result.submittedPrompt).toMatch(/^https?:\/\/\S+ a lighthouse/);

    const description = await finished(described.body.result);
    expect(description).toMatchObject({ action: 'DESCRIBE', status: 'SUCCESS' });
    expect(description.properties.descriptions).toHaveLength(4);

    const blend = await finished(blended.body.result);
    expect(blend).toMatchObject({ action: 'BLEND', status: 'SUCCESS' });
    const blendJob = (await system.api('GET', `/v1/jobs/${blended.body.result}`)).body;
    expect(blendJob.input.uploads).toHaveLength(2);
    expect(blendJob.result.submittedPrompt).toMatch(/^\S+ \S+ --ar 3:2/);
  });

  it('video from a base64 start image with a base64 end image', async () => {
    const submitted = await mj('POST', '/mj/submit/video', {
      image: PNG_DATA_URL,
      endImage: PNG_BASE64,
      prompt: 'waves roll in',
      motion: 'low',
      batchSize: 1,
    });
    expect(ACCEPTED).toContain(submitted.body.code);
    const task = await finished(submitted.body.result);
    expect(task).toMatchObject({ action: 'VIDEO', status: 'SUCCESS' });
    expect(task.videoUrls.length).toBeGreaterThanOrEqual(1);
    const job = (await system.api('GET', `/v1/jobs/${submitted.body.result}`)).body;
    expect(job.input).toMatchObject({ upload: { contentType: 'image/png' }, endUpload: { contentType: 'image/png' } });
    expect(job.result.submittedPrompt).toMatch(/^\S+ waves roll in .*--end \S+/);
  });

  it('bad base64 answers code 4 with a clear description, never a 500', async () => {
    const cases: Array<[string, object, RegExp]> = [
      ['/mj/submit/describe', { base64: 'not base64 at all!' }, /^base64: must be base64$/],
      ['/mj/submit/describe', { base64: Buffer.from('plain text').toString('base64') }, /not a PNG, JPEG, WebP or GIF/],
      ['/mj/submit/imagine', { prompt: 'x', base64Array: ['data:image/png,raw'] }, /base64Array\[0\]: data URLs/],
      ['/mj/submit/blend', { base64Array: [PNG_DATA_URL] }, /2–5/],
      ['/mj/submit/video', { image: `data:image/gif;base64,${PNG_BASE64}` }, /declared image\/gif/],
    ];
    for (const [path, body, description] of cases) {
      const answer = await mj('POST', path, body);
      expect([answer.status, answer.body.code], path).toEqual([200, 4]);
      expect(answer.body.description).toMatch(description);
    }
  });

  it('botType NIJI_JOURNEY runs niji; accountFilter pins the account and picks the mode (an unknown account: 4)', async () => {
    const account = ((await system.api('GET', '/v1/accounts')).body.data as any[]).find(
      (a) => a.provider === 'midjourney',
    ).account as string;
    const niji = await mj('POST', '/mj/submit/imagine', {
      prompt: 'a fox in the snow',
      botType: 'NIJI_JOURNEY',
      accountFilter: { instanceId: account, modes: ['FAST'], remix: false, channelId: 'ignored' },
    });
    expect(ACCEPTED).toContain(niji.body.code);
    const task = await finished(niji.body.result);
    expect(task.status).toBe('SUCCESS');
    const job = (await system.api('GET', `/v1/jobs/${niji.body.result}`)).body;
    expect(job.input).toMatchObject({ account, options: { niji: true, mode: 'fast' } });
    expect(job.result.submittedPrompt).toMatch(/--niji 6/);
    expect(job.result.account).toBe(account);

    const unknown = await mj('POST', '/mj/submit/imagine', {
      prompt: 'x',
      accountFilter: { instanceId: 'no-such-account' },
    });
    expect([unknown.status, unknown.body.code]).toEqual([200, 4]);
    expect(unknown.body.description).toMatch(/no-such-account/);
  });

  it('webhook_events on /v1: start once, progress at most every 2 s, completed; unknown events are 400', async () => {
    const refused = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'x',
      webhook_url: `${hookUrl.replace('/notify', '/events')}`,
      webhook_events: ['start', 'output'],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_REQUEST');
    expect(refused.body.error.message).toMatch(/webhook_events/);

    const url = hookUrl.replace('/notify', '/events');
    // [[slow]]: the simulator renders five times longer, so the job reports progress for a few seconds.
    const all = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a slow lighthouse [[slow]]',
      options: { mode: 'fast' },
      webhook_url: url,
      webhook_events: ['start', 'progress', 'completed'],
    });
    const quiet = await system.api('POST', '/v1/midjourney/imagine', {
      prompt: 'a quiet lighthouse',
      options: { mode: 'fast' },
      webhook_url: url.replace('/events', '/default'),
    });
    expect([all.status, quiet.status]).toEqual([202, 202]);
    expect(all.body.webhook_events).toEqual(['start', 'progress', 'completed']);
    expect(quiet.body.webhook_events).toEqual(['completed']);
    for (const path of ['/events', '/default']) {
      await waitFor(
        `the completed webhook at ${path}`,
        async () => verifiedAt(path).find((p) => p.event === 'job.completed') ?? undefined,
        90_000,
      );
    }
    const events = verifiedAt('/events').filter((p) => p.job.id === all.body.id);
    expect(events.filter((p) => p.event === 'job.started')).toHaveLength(1);
    expect(events.filter((p) => p.event === 'job.completed')).toHaveLength(1);
    const progress = events
      .filter((p) => p.event === 'job.progress')
      .map((p) => Date.parse(p.job.updated_at))
      .sort((a, b) => a - b);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i] - progress[i - 1]).toBeGreaterThanOrEqual(1800);
    // Only completed by default.
    expect(verifiedAt('/default').map((p) => p.event)).toEqual(['job.completed']);
  });

  it('describe with a link completes with its prompts', async () => {
    const described = await mj('POST', '/mj/submit/describe', { link: `${images.url}/photo.png` });
    expect(described.body.code).toBe(1);
    const task = await finished(described.body.result);
    expect(task).toMatchObject({ action: 'DESCRIBE', status: 'SUCCESS' });
    expect(task.prompt).toBeTruthy();
    expect(task.properties.descriptions).toHaveLength(4);
  });

  it('what cannot run answers code 4 (never a 500); a banned prompt ends FAILURE at "100%" with a reason', async () => {
    const zoom = await mj('POST', '/mj/submit/action', {
      taskId: '00000000-0000-4000-8000-000000000000',
      customId: 'MJ::Outpaint::50::1::x::SOLO',
    });
    expect([zoom.status, zoom.body.code]).toEqual([200, 4]);
    expect(zoom.body.description).toMatch(/not supported/);
    for (const path of ['/mj/submit/shorten', '/mj/submit/modal']) {
      const answer = await mj('POST', path, { prompt: 'x' });
      expect([answer.status, answer.body.code]).toEqual([200, 4]);
    }
    const invalid = await mj('POST', '/mj/submit/imagine', { prompt: 42 });
    expect([invalid.status, invalid.body.code]).toEqual([400, 4]);
    const unknown = await mj('GET', '/mj/task/00000000-0000-4000-8000-000000000000/fetch');
    expect([unknown.status, unknown.body.code]).toEqual([404, 404]);

    const banned = await mj('POST', '/mj/submit/imagine', { prompt: 'a portrait [[softban]]' });
    expect(banned.body.code).toBe(1);
    const failed = await finished(banned.body.result);
    expect(failed).toMatchObject({ status: 'FAILURE', progress: '100%' });
    expect(failed.failReason).toBeTruthy();
    expect(failed.buttons).toEqual([]);
  });
});
