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

describe('Midjourney-proxy API (/mj/*) as new-api relays it', () => {
  const system = new TestSystem({ simSpeed: 0.03, gatewayEnv: { WEBHOOK_SECRET: SECRET } });
  let images: { server: Server; url: string };
  let hook: Server;
  let hookUrl = '';
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

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
        received.push({ headers: req.headers, body });
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
    const base64 = await mj('POST', '/mj/submit/describe', { base64: 'data:image/png;base64,iVBORw0KGgo=' });
    expect(base64.body.code).toBe(4);
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
