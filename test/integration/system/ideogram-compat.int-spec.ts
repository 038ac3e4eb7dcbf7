import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../system.js';
import { startImageServer } from './image-server.js';
import { pngSize } from './png.js';

// The original Ideogram routes as existing clients call them: the n8n remix flow, the quick provider routes (with the
// caller's own Bearer token where the original accepted one), the submit-only routes now backed by durable jobs, and
// their 400/401/403 answers.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stored entries of a zip (the simulator's bulk download stores without compression). */
function zipEntries(zip: Buffer): { name: string; bytes: Buffer }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString();
    const data = local + 30 + zip.readUInt16LE(local + 26);
    entries.push({ name, bytes: zip.subarray(data, data + size) });
    at += 46 + nameLength;
  }
  return entries;
}

describe('Ideogram original routes', () => {
  const system = new TestSystem({ simSpeed: 0.05, workers: ['ideogram'] });
  let images: { server: Server; url: string };
  let genJob: any;

  const stats = async () => (await system.admin('GET', '/__admin/stats')).ideogram;

  beforeAll(async () => {
    images = await startImageServer();
    await system.start();
  });

  afterAll(async () => {
    images?.server.close();
    await system.stop();
  });

  it('keeps the n8n flow working: POST /api/remix without idea_id, then GET /api/job/:id until isComplete', async () => {
    // Exactly the flow's body (PROVIDERS.md §1.6).
    const started = await system.api('POST', '/api/remix', {
      imageUrl: `${images.url}/design.png`,
      prompt: 'a mug design',
      imageWeight: 70,
      magicPrompt: 'AUTO',
      style: 'AUTO',
      promptSource: 'AUTO',
      num_images: 1,
    });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({
      success: true,
      jobId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      message: 'Job started. Processing in background.',
    });
    // The flow waits, then polls every 15 s (here faster) until isComplete is strictly true, with no iteration cap.
    let answer: any;
    const until = Date.now() + 90_000;
    for (;;) {
      const res = await system.api('GET', `/api/job/${started.body.jobId}`);
      expect(res.status).toBe(200);
      answer = res.body;
      expect(typeof answer.isComplete).toBe('boolean');
      expect(typeof answer.isFailed).toBe('boolean');
      if (answer.isComplete === true || answer.isFailed === true || Date.now() > until) break;
      expect(answer.isProcessing).toBe(true);
      await sleep(500);
    }
    expect(answer).toMatchObject({
      success: true,
      jobId: started.body.jobId,
      status: 'completed',
      errorMessage: null,
      isComplete: true,
      isFailed: false,
      isProcessing: false,
    });
    expect(Date.parse(answer.createdAt)).not.toBeNaN();
    expect(Date.parse(answer.updatedAt)).not.toBeNaN();
    expect(answer.images).toHaveLength(1);
    expect((await fetch(answer.images[0])).status).toBe(200);
    // The same job at /v1/jobs, stored with the original's remix layout and defaults.
    const job = (await system.api('GET', `/v1/jobs/${started.body.jobId}`)).body;
    expect(job.input).toMatchObject({
      imageWeight: 70,
      promptSource: 'AUTO',
      resolution: { width: 800, height: 1280 },
      numImages: 1,
      layout: 'remix',
    });
    expect(job.result.images[0].path).toBe(`${job.id}/${job.result.responseIds[0]}.png`);
    expect(job.result.images[0].width).toBe(800);
  });

  it('answers 404 for unknown jobs, whatever the id looks like', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'ideogram-1712345678901-abcdefghi']) {
      const res = await system.api('GET', `/api/job/${id}`);
      expect(res.status).toBe(404);
      // The original's 404 named the job at the top level.
      expect(res.body).toMatchObject({ success: false, error: 'Job not found', code: 'NOT_FOUND', jobId: id });
    }
  });

  it('passes the site’s vocabularies through: DESIGN remixes, what the site does not offer fails the job clearly', async () => {
    const remix = (over: Record<string, unknown>) =>
      system.api('POST', '/api/remix', { imageUrl: `${images.url}/design.png`, prompt: 'a mug', ...over });
    // The original README's own example.
    const design = await remix({ style: 'DESIGN', promptSource: 'MANUAL' });
    expect(design.status).toBe(200);
    const unknownStyle = await remix({ style: 'WATERCOLOR_V9' });
    expect(unknownStyle.status).toBe(200);
    const unknownSize = await remix({ resolution: { width: 1536, height: 640 } });
    expect(unknownSize.status).toBe(200);

    const done = await system.waitForJob(design.body.jobId, (j) => j.status === 'completed', 90_000);
    const sampled = await system.admin('GET', `/__admin/ideogram/requests/${done.result.providerJobId}`);
    expect(sampled).toMatchObject({ styleExpert: 'DESIGN', prompt: 'a mug' });

    for (const [jobId, reason] of [
      [unknownStyle.body.jobId, /Unknown style_expert "WATERCOLOR_V9"/],
      [unknownSize.body.jobId, /resolution 1536x640 is not offered/],
    ] as const) {
      const failed = await system.waitForJob(jobId, (j) => j.status === 'failed', 90_000);
      expect(failed.error.code).toBe('INVALID_PARAMETER');
      expect(failed.error.message).toMatch(reason);
      const view = (await system.api('GET', `/api/job/${jobId}`)).body;
      expect(view).toMatchObject({ isFailed: true, isComplete: false, status: 'failed' });
      expect(view.errorMessage).toMatch(reason);
    }

    // /v1 stays strict, with DESIGN on its list.
    expect((await system.api('POST', '/v1/ideogram/generate', { prompt: 'a mug', style: 'DESIGN' })).status).toBe(202);
    const strict = await system.api('POST', '/v1/ideogram/generate', { prompt: 'a mug', style: 'WATERCOLOR_V9' });
    expect(strict.status).toBe(400);
    expect(strict.body.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^style/) });
    const size = await system.api('POST', '/v1/ideogram/generate', {
      prompt: 'a mug',
      resolution: { width: 1536, height: 640 },
    });
    expect(size.status).toBe(400);
  });

  it('uploads, captions, and runs gencustom and generate-variations with the original file names', async () => {
    const upload = await system.api('POST', '/api/upload', { imageUrl: `${images.url}/a.png` });
    expect(upload.status).toBe(200);
    expect(upload.body).toEqual({ success: true, uploadId: expect.any(String) });
    const caption = await system.api('POST', '/api/caption', { uploadId: upload.body.uploadId });
    expect(caption.status).toBe(200);
    expect(caption.body).toEqual({ success: true, caption: expect.stringMatching(/^A simulated design/) });

    const custom = await system.api('POST', '/api/gencustom', {
      imageId: upload.body.uploadId,
      promptText: 'a sticker of this',
      num_images: 2,
    });
    expect(custom.status).toBe(200);
    expect(custom.body).toEqual({ success: true, jobId: expect.any(String) });
    const variations = await system.api('POST', '/api/generate-variations', {
      imageUrl: `${images.url}/b.png`,
      imageWeight: 0,
      magicPrompt: '',
      prompt: 'ignored: the caption is always used',
    });
    expect(variations.body).toEqual({ success: true, jobId: expect.any(String) });

    const c = await system.waitForJob(custom.body.jobId, (j) => j.status === 'completed', 90_000);
    expect(c.result.images.map((i: any) => i.path)).toEqual(
      c.result.responseIds.map((r: string) => `ideogram-custom-${c.id}-${r}.png`),
    );
    const cReq = await system.admin('GET', `/__admin/ideogram/requests/${c.result.providerJobId}`);
    expect(cReq).toMatchObject({ prompt: 'a sticker of this', parent: { image_id: upload.body.uploadId, weight: 50 } });
    expect(cReq.numImages).toBe(2);

    const v = await system.waitForJob(variations.body.jobId, (j) => j.status === 'completed', 90_000);
    expect(v.result.images).toHaveLength(4);
    expect(v.result.images[0].path).toBe(`ideogram-remix-${v.id}-${v.result.responseIds[0]}.png`);
    expect(pngSize(Buffer.from(await (await fetch(v.result.images[0].url)).arrayBuffer()))).toEqual({
      width: 832,
      height: 1248,
    });
    const vReq = await system.admin('GET', `/__admin/ideogram/requests/${v.result.providerJobId}`);
    expect(vReq.prompt).toBe(v.result.caption);
    expect(vReq.parent.weight).toBe(50); // falsy imageWeight → 50
    expect(vReq.magicPrompt).toBe('ON'); // falsy magicPrompt → ON
  });

  it('answers genimageprompt, upscale and removebackground with the provider’s answer, backed by jobs', async () => {
    const gen = await system.api('POST', '/api/genimageprompt', { prompt: 'a paper crane' });
    expect(gen.status).toBe(200);
    expect(gen.body.success).toBe(true);
    expect(gen.body.data).toMatchObject({ request_id: expect.any(String), rejected_prompt_id: null });
    genJob = await system.waitForJob(gen.body.jobId, (j) => j.status === 'completed', 90_000);
    expect(genJob.result.images).toHaveLength(4); // the original's default
    expect(genJob.result.providerJobId).toBe(gen.body.data.request_id);

    const up = await system.api('POST', '/api/upscale', {
      request_id: genJob.result.providerJobId,
      response_id: genJob.result.responseIds[2],
      promptText: 'a paper crane',
    });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      success: true,
      result: { request_id: expect.any(String) },
      jobId: expect.any(String),
    });
    const upJob = await system.waitForJob(up.body.jobId, (j) => j.status === 'completed', 90_000);
    expect(upJob.input).toMatchObject({ modelVersion: 'V_0_3', magicPrompt: 'OFF', weight: 100 });
    expect(upJob.result.images).toHaveLength(1);

    const bg = await system.api('POST', '/api/removebackground', { asset_id: genJob.result.responseIds[0] });
    expect(bg.status).toBe(200);
    expect(bg.body).toMatchObject({ success: true, data: { asset_id: expect.any(String) }, jobId: expect.any(String) });
    await system.waitForJob(bg.body.jobId, (j) => j.status === 'completed', 60_000);

    // A submission the provider refuses answers its error instead of success.
    const refused = await system.api('POST', '/api/genimageprompt', { prompt: 'x [[moderate]]' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ success: false, code: 'CONTENT_REJECTED' });
  });

  it('reads request metadata and downloads responses, with the caller’s own token when given', async () => {
    const requestId = genJob.result.providerJobId;
    const meta = await system.api('GET', `/api/getrequestid?id=${requestId}`);
    expect(meta.status).toBe(200);
    expect(meta.body.success).toBe(true);
    expect(meta.body.metadata).toMatchObject({ request_id: requestId, is_completed: true });

    const missing = await system.api('GET', '/api/getrequestid?id=nope');
    expect(missing.status).toBe(404);

    // x-api-key carries the gateway key, so the Bearer is the caller's Ideogram token and reaches the provider.
    const { access_token: token } = await system.admin('POST', '/__admin/ideogram/accounts/default/token');
    const before = await stats();
    const withToken = await system.api('GET', `/api/getrequestid?id=${requestId}`, undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(withToken.status).toBe(200);
    const badToken = await system.api('GET', `/api/getrequestid?id=${requestId}`, undefined, {
      authorization: 'Bearer not-an-ideogram-token',
    });
    expect(badToken.status).toBe(401);
    expect(badToken.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    expect((await stats()).rejectedTokens - before.rejectedTokens).toBe(1);
    // The caller's token is never kept: the next job still runs on the account's session.
    const job = (await system.api('GET', `/v1/jobs/${genJob.id}`)).text;
    expect(job).not.toContain(token);

    const responseId = genJob.result.responseIds[0];
    const png = await fetch(`${system.gatewayUrl}/api/download/response/${responseId}/image?quality=PNG`, {
      headers: { 'x-api-key': system.apiKey, authorization: `Bearer ${token}` },
    });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(pngSize(Buffer.from(await png.arrayBuffer()))).toEqual({ width: 1312, height: 736 });
    const jpeg = await fetch(`${system.gatewayUrl}/api/download/response/${responseId}/image?quality=JPEG`, {
      headers: { 'x-api-key': system.apiKey },
    });
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    const unknown = await system.api('GET', '/api/download/response/nope/image');
    expect(unknown.status).toBe(404);
  });

  it('runs upscale, removebackground and genimageprompt on the caller’s own account when a Bearer token is given', async () => {
    // A second Ideogram account, not in the pool: only the caller's token reaches it.
    const { access_token: token } = await system.admin('POST', '/__admin/ideogram/accounts/caller/token');
    const auth = { authorization: `Bearer ${token}` };
    const jobsBefore = (await system.api('GET', '/v1/jobs?provider=ideogram&limit=100')).body.data.length;

    const gen = await system.api('POST', '/api/genimageprompt', { prompt: 'a caller’s crane', num_images: 2 }, auth);
    expect(gen.status).toBe(200);
    // The original's answer: the site's sample answer, no job.
    expect(gen.body).toEqual({ success: true, data: expect.objectContaining({ rejected_prompt_id: null }) });
    const requestId = gen.body.data.request_id;
    expect(await system.admin('GET', `/__admin/ideogram/requests/${requestId}`)).toMatchObject({
      account: 'caller',
      prompt: 'a caller’s crane',
      numImages: 2,
    });
    // The pool's account does not see the caller's request; the caller polls it with the same token.
    expect((await system.api('GET', `/api/getrequestid?id=${requestId}`)).status).toBe(404);
    const metadata = await waitFor(
      'the caller’s request to complete',
      async () => {
        const res = await system.api('GET', `/api/getrequestid?id=${requestId}`, undefined, auth);
        return res.body?.metadata?.is_completed ? res.body.metadata : undefined;
      },
      60_000,
    );
    const responseIds: string[] = metadata.responses.map((r: { response_id: string }) => r.response_id);
    expect(responseIds).toHaveLength(2);

    const up = await system.api(
      'POST',
      '/api/upscale',
      { request_id: requestId, response_id: responseIds[1], promptText: 'a caller’s crane' },
      auth,
    );
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ success: true, result: expect.objectContaining({ request_id: expect.any(String) }) });
    expect(await system.admin('GET', `/__admin/ideogram/requests/${up.body.result.request_id}`)).toMatchObject({
      account: 'caller',
      type: 'SUPER_RES',
      parent: { request_id: requestId, response_id: responseIds[1] },
    });

    // The caller's gallery (GET /api/u) holds it too, read with the same token; the pool's account sees none of it.
    const { userId } = await system.admin('GET', '/__admin/ideogram/accounts/caller');
    const own = await system.api('GET', `/api/u?user_id=${userId}`, undefined, auth);
    expect(own.body.results.map((r: { request_id: string }) => r.request_id)).toContain(requestId);
    expect((await system.api('GET', `/api/u?user_id=${userId}`)).body).toEqual({ results: [] });

    const bg = await system.api('POST', '/api/removebackground', { asset_id: responseIds[0] }, auth);
    expect(bg.status).toBe(200);
    expect(bg.body).toEqual({ success: true, data: expect.objectContaining({ asset_id: expect.any(String) }) });

    // Nothing of it became a job, and the token is in none.
    const jobs = await system.api('GET', '/v1/jobs?provider=ideogram&limit=100');
    expect(jobs.body.data).toHaveLength(jobsBefore);
    expect(jobs.text).not.toContain(token);

    // A token Ideogram refuses is the caller's 401, on each of the three routes, and reached the site each time.
    const before = (await stats()).rejectedTokens;
    const bad = { authorization: 'Bearer not-an-ideogram-token' };
    for (const [path, body] of [
      ['/api/genimageprompt', { prompt: 'x' }],
      ['/api/upscale', { request_id: requestId, response_id: responseIds[0], promptText: 'x' }],
      ['/api/removebackground', { asset_id: responseIds[0] }],
    ] as const) {
      const res = await system.api('POST', path, body, bad);
      expect(res.status, path).toBe(401);
      expect(res.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    }
    expect((await stats()).rejectedTokens - before).toBe(3);

    // A value the site refuses is the caller's 400 with the site's reason.
    const refused = await system.api('POST', '/api/genimageprompt', { prompt: 'x', style_expert: 'NOPE' }, auth);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_PARAMETER', error: expect.stringMatching(/style_expert/) });
  });

  it('forwards the gallery (GET /api/u) and the bulk download (POST /api/d/images) as the original did', async () => {
    const started = await system.api('POST', '/api/genimageprompt', { prompt: 'a paper boat', num_images: 2 });
    const done = await system.waitForJob(started.body.jobId, (j) => j.status === 'completed', 90_000);
    const { userId } = await system.admin('GET', '/__admin/ideogram/accounts/default');
    const gallery = await system.api('GET', `/api/u?user_id=${userId}`);
    expect(gallery.status).toBe(200);
    // The site's own answer, verbatim (no success wrapper).
    expect(gallery.body.results.map((r: { request_id: string }) => r.request_id)).toContain(done.result.providerJobId);
    const other = await system.api('GET', '/api/u?user_id=someone_else&all_privacy=false&filters=everything');
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ results: [] });

    const [first, second] = done.result.responseIds as string[];
    const post = (body: unknown) =>
      fetch(`${system.gatewayUrl}/api/d/images`, {
        method: 'POST',
        headers: { 'x-api-key': system.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const zip = await post({ image_ids: [first, second], cover_only: false, request_ids: [] });
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const entries = zipEntries(Buffer.from(await zip.arrayBuffer()));
    expect(entries.map((e) => e.name)).toEqual([`${first}.png`, `${second}.png`]);
    expect(pngSize(entries[0].bytes)).toEqual({ width: 1312, height: 736 });
    const single = await post({ image_ids: [first] });
    expect(single.headers.get('content-type')).toBe('image/png');
    expect(pngSize(Buffer.from(await single.arrayBuffer()))).toEqual({ width: 1312, height: 736 });
    const unknown = await post({ image_ids: ['nope'] });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('answers bad input with 400s and codes, never a 500', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/remix', {}, /imageUrl is required/],
      ['POST', '/api/remix', { imageUrl: 'not a url' }, /http\(s\) URL/],
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png', imageWeight: 101 }, /imageWeight/],
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png', promptSource: 5 }, /promptSource/],
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png', style: 'A\nB' }, /style/],
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png', magicPrompt: 'x'.repeat(65) }, /magicPrompt/],
      [
        'POST',
        '/api/remix',
        { imageUrl: 'https://x.example/a.png', resolution: { width: 10, height: 10 } },
        /resolution/,
      ],
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png', num_images: 9 }, /num_images/],
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png', idea_id: 'x' }, /idea_id/],
      ['POST', '/api/upload', {}, /imageUrl is required/],
      ['POST', '/api/caption', {}, /uploadId is required/],
      ['POST', '/api/generate-variations', {}, /imageUrl is required/],
      ['POST', '/api/gencustom', { imageId: 'abc' }, /Image ID and prompt text are required/],
      ['POST', '/api/gencustom', { promptText: 'x' }, /Image ID and prompt text are required/],
      ['POST', '/api/upscale', { request_id: 'a', response_id: 'b' }, /promptText/],
      ['POST', '/api/removebackground', {}, /asset_id is required/],
      ['POST', '/api/genimageprompt', {}, /prompt is required/],
      ['POST', '/api/genimageprompt', { prompt: 'x', style_reference_parents: [{}] }, /not supported/],
      ['GET', '/api/getrequestid', undefined, /id is required/],
      ['GET', '/api/download/response/x/image?quality=A%0AB', undefined, /quality/],
      ['POST', '/api/d/images', {}, /image_ids is required/],
      ['POST', '/api/d/images', { image_ids: [] }, /image_ids must not be empty/],
      ['POST', '/api/d/images', { image_ids: ['../x'] }, /image_ids/],
      ['GET', '/api/u', undefined, /user_id is required/],
      ['GET', '/api/u?user_id=a%2Fb', undefined, /user_id/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await system.api(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'INVALID_REQUEST' });
      expect(res.body.error).toMatch(message);
    }
    const unreachable = await system.api('POST', '/api/upload', { imageUrl: `${images.url}/page.html` });
    expect(unreachable.status).toBe(422);
    expect(unreachable.body.code).toBe('UPLOAD_FAILED');
  });

  it('refuses missing and wrong keys with 401 and keys without the ideogram scope with 403', async () => {
    const other = await system.api('POST', '/v1/admin/keys', { name: 'mj-only', scopes: ['midjourney'] });
    expect(other.status).toBe(201);
    const routes: [string, string, unknown?][] = [
      ['POST', '/api/remix', { imageUrl: 'https://x.example/a.png' }],
      ['GET', '/api/job/00000000-0000-4000-8000-000000000000'],
      ['POST', '/api/upload', { imageUrl: 'https://x.example/a.png' }],
      ['POST', '/api/caption', { uploadId: 'a' }],
      ['POST', '/api/generate-variations', { imageUrl: 'https://x.example/a.png' }],
      ['POST', '/api/gencustom', { imageId: 'a', promptText: 'b' }],
      ['POST', '/api/upscale', { request_id: 'a', response_id: 'b', promptText: 'c' }],
      ['POST', '/api/removebackground', { asset_id: 'a' }],
      ['POST', '/api/genimageprompt', { prompt: 'a' }],
      ['GET', '/api/getrequestid?id=a'],
      ['GET', '/api/download/response/a/image'],
      ['POST', '/api/d/images', { image_ids: ['a'] }],
      ['GET', '/api/u?user_id=a'],
      ['POST', '/v1/ideogram/generate', { prompt: 'a' }],
      ['POST', '/v1/ideogram/remix', { image_url: 'https://x.example/a.png' }],
      ['POST', '/v1/ideogram/upscale', { request_id: 'a', response_id: 'b' }],
      ['POST', '/v1/ideogram/remove-background', { asset_id: 'a' }],
      ['POST', '/v1/ideogram/describe', { upload_id: 'a' }],
    ];
    for (const [method, path, body] of routes) {
      const none = await system.api(method, path, body, { 'x-api-key': '' });
      expect(none.status, `${method} ${path} without a key`).toBe(401);
      expect(none.body.code ?? none.body.error?.code).toBe('UNAUTHENTICATED');
      const wrong = await system.api(method, path, body, { 'x-api-key': 'gw_wrong' });
      expect(wrong.status, `${method} ${path} with a wrong key`).toBe(401);
      const scoped = await system.api(method, path, body, { 'x-api-key': other.body.key });
      expect(scoped.status, `${method} ${path} out of scope`).toBe(403);
      expect(scoped.body.code ?? scoped.body.error?.code).toBe('FORBIDDEN_SCOPE');
    }
  });

  it('takes the gateway key as a Bearer when no x-api-key is sent (then no caller token exists)', async () => {
    const res = await system.api('GET', `/api/getrequestid?id=${genJob.result.providerJobId}`, undefined, {
      'x-api-key': '',
      authorization: `Bearer ${system.apiKey}`,
    });
    expect(res.status).toBe(200);
    expect(res.body.metadata.request_id).toBe(genJob.result.providerJobId);
    // x-api-key wins: a wrong x-api-key is not rescued by a valid Bearer key.
    const wrong = await system.api('GET', '/api/job/00000000-0000-4000-8000-000000000000', undefined, {
      'x-api-key': 'gw_wrong',
      authorization: `Bearer ${system.apiKey}`,
    });
    expect(wrong.status).toBe(401);
  });
});
