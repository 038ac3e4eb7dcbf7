import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../system.js';
import { pngSize } from './png.js';

const GPT = 'https://chatgpt.com/g/g-682b4c8d88848191accff36501109e7e-wowz-ai-assistant-remix-design';
const CONVERSATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A 2×2 PNG: small enough for a request body, a real image for the page's upload.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

// The ChatGPT slice as separate processes: HTTP → gateway → JetStream → ChatGPT worker → Chromium tab → simulated
// chatgpt.com → storage → events → gateway; plus the quick request/reply routes of both route families.
describe('ChatGPT end to end', () => {
  const system = new TestSystem({ workers: ['chatgpt'], simSpeed: 0.05 });
  let imageServer: Server;
  let imageUrl: string;

  beforeAll(async () => {
    await system.start();
    imageServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
    await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
    const address = imageServer.address();
    imageUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/input.png`;
  });

  afterAll(async () => {
    imageServer?.close();
    await system.stop();
  });

  const conversation = async (id: string) => system.admin('GET', `/__admin/chatgpt/conversations/${id}`);

  it('answers a text prompt: text, code blocks and the conversation id in the job result', async () => {
    const created = await system.api('POST', '/v1/chatgpt/conversations', { prompt: 'a fox on a mug' });
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('pending');
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.conversation_id).toMatch(CONVERSATION_ID);
    expect(job.result.text).toContain('Here is a remix design prompt for "a fox on a mug"');
    expect(job.result.code_blocks).toEqual([
      {
        language: 'text',
        code: expect.stringContaining('a fox on a mug, remixed as a bold vector illustration'),
      },
    ]);
    expect(job.result.images).toEqual([]);
    expect(job.result.asset_pointers).toEqual([]);
    expect(job.result.gpt_url).toBe(GPT);
    // The simulator saw one message, in the default GPT.
    const server = await conversation(job.result.conversation_id);
    expect(server.gizmo_id).toBe('g-682b4c8d88848191accff36501109e7e');
    const users = Object.values(server.mapping).filter((n: any) => n.message?.author.role === 'user');
    expect(users.map((n: any) => n.message.content.parts)).toEqual([['a fox on a mug']]);
  });

  it('sends an image by URL and stores only the generated image, keeping the input pointer apart', async () => {
    const created = await system.api('POST', '/v1/chatgpt/conversations', {
      prompt: 'remix this design',
      image_urls: [imageUrl],
    });
    expect(created.status).toBe(202);
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.input_asset_pointers).toHaveLength(1);
    expect(job.result.input_asset_pointers[0]).toMatch(/^file-service:\/\/file-/);
    expect(job.result.asset_pointers).toHaveLength(1);
    expect(job.result.asset_pointers[0]).toMatch(/^sediment:\/\/file_/);
    expect(job.result.expectedCount).toBe(1);
    expect(job.result.images).toHaveLength(1);
    const res = await fetch(job.result.images[0].url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    // The stored file is the generated 512×512 image, not the 2×2 input.
    expect(pngSize(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 512, height: 512 });
    expect(job.result.images[0].sourceUrl).toBe(job.result.asset_pointers[0]);
  });

  it('takes an image uploaded in the body, and several generated images', async () => {
    const created = await system.api('POST', '/v1/chatgpt/conversations', {
      prompt: 'two takes please [[images:2]]',
      images: [{ data: `data:image/png;base64,${PNG.toString('base64')}` }],
    });
    expect(created.status).toBe(202);
    expect(created.body.input.uploads[0]).toMatchObject({ bucket: 'chatgpt-uploads', contentType: 'image/png' });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'completed');
    expect(job.result.images).toHaveLength(2);
    expect(new Set(job.result.images.map((i: any) => i.path)).size).toBe(2);
    expect(job.result.input_asset_pointers).toHaveLength(1);
  });

  it('continues a conversation: the second message lands in the same conversation', async () => {
    const first = await system.api(
      'POST',
      '/v1/chatgpt/conversations',
      { prompt: 'a lighthouse poster' },
      { prefer: 'wait=60', 'idempotency-key': 'lighthouse-1' },
    );
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('completed');
    // The same key again replays the job instead of sending the message twice.
    const replay = await system.api(
      'POST',
      '/v1/chatgpt/conversations',
      { prompt: 'a lighthouse poster' },
      { 'idempotency-key': 'lighthouse-1' },
    );
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
    const id = first.body.result.conversation_id;
    const second = await system.api(
      'POST',
      '/v1/chatgpt/conversations',
      { prompt: 'now make it blue', conversation_id: id },
      { prefer: 'wait=60' },
    );
    expect(second.body.status).toBe('completed');
    expect(second.body.result.conversation_id).toBe(id);
    expect(second.body.result.text).toContain('now make it blue');
    expect(second.body.result.text).not.toContain('a lighthouse poster');
    const server = await conversation(id);
    const users = Object.values(server.mapping).filter((n: any) => n.message?.author.role === 'user');
    expect(users).toHaveLength(2);
  });

  it('serves recent images and the conversation prompt on the new routes', async () => {
    const made = await system.api(
      'POST',
      '/v1/chatgpt/conversations',
      { prompt: 'a cactus sticker [[image]]' },
      { prefer: 'wait=60' },
    );
    expect(made.body.status).toBe('completed');
    const id = made.body.result.conversation_id;

    const recent = await system.api('GET', '/v1/chatgpt/recent-images?limit=2');
    expect(recent.status).toBe(200);
    expect(recent.body.items).toHaveLength(2);
    expect(recent.body.items[0]).toMatchObject({ conversation_id: id });
    expect(typeof recent.body.next_cursor).toBe('string');
    const next = await system.api('GET', `/v1/chatgpt/recent-images?limit=2&cursor=${recent.body.next_cursor}`);
    expect(next.status).toBe(200);
    expect(next.body.items.length).toBeGreaterThan(0);
    expect(next.body.items[0].id).not.toBe(recent.body.items[0].id);
    const mine = await system.api('GET', `/v1/chatgpt/recent-images?limit=50&conversation_id=${id}`);
    expect(mine.body.items.map((i: any) => i.asset_pointer)).toEqual(made.body.result.asset_pointers);

    const prompt = await system.api('GET', `/v1/chatgpt/conversations/${id}/prompt`);
    expect(prompt.status).toBe(200);
    expect(prompt.body).toMatchObject({ conversation_id: id, found: true, language: 'text' });
    expect(prompt.body.prompt).toMatch(/^a cactus sticker, remixed as/);
    expect(prompt.body.checked_nodes).toContain(prompt.body.node_id);

    const plain = await system.api(
      'POST',
      '/v1/chatgpt/conversations',
      { prompt: 'hello there', gpt_url: 'https://chatgpt.com/' },
      { prefer: 'wait=60' },
    );
    expect(plain.body.status).toBe('completed');
    expect(plain.body.result.code_blocks).toEqual([]);
    const none = await system.api('GET', `/v1/chatgpt/conversations/${plain.body.result.conversation_id}/prompt`);
    expect(none.body).toMatchObject({ found: false, prompt: null, node_id: null });
    expect(none.body.checked_nodes.length).toBe(2);

    const missing = await system.api('GET', '/v1/chatgpt/conversations/00000000-0000-8000-8000-000000000000/prompt');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('GPT_NOT_FOUND');
  });

  it('answers the original routes with their shapes, now with a job to poll', async () => {
    const text = await system.api('POST', '/gptgen', { prompt: 'a robot tee' });
    expect(text.status).toBe(200);
    expect(text.body).toMatchObject({ success: true, status: 'completed' });
    expect(text.body.conversationId).toMatch(CONVERSATION_ID);
    expect(text.body.assetPointers).toBeUndefined();
    expect(text.body.text).toContain('a robot tee');
    const job = await system.api('GET', `/v1/jobs/${text.body.jobId}`);
    expect(job.body.result.conversation_id).toBe(text.body.conversationId);

    const image = await system.api('POST', '/gptgen', { prompt: 'remix', imageUrl, url: GPT });
    expect(image.body.success).toBe(true);
    expect(image.body.assetPointers).toHaveLength(1);
    expect(image.body.assetPointers[0]).toMatch(/^sediment:\/\//); // the output only, not the uploaded input
    expect(image.body.images).toHaveLength(1);

    // Without waiting, the original's clients still get the job and poll it.
    const quick = await system.api('POST', '/gptgen', { prompt: 'a quick one', imageUrl: '' }, { prefer: 'wait=0' });
    expect(quick.body).toMatchObject({ success: true, links: { self: `/v1/jobs/${quick.body.jobId}` } });
    expect(['pending', 'processing']).toContain(quick.body.status);
    await system.waitForJob(quick.body.jobId, (j) => j.status === 'completed');

    const recent = await system.api('POST', '/recent-images', { conversationId: image.body.conversationId });
    expect(recent.status).toBe(200);
    expect(recent.body.success).toBe(true);
    expect(recent.body.items.map((i: any) => i.asset_pointer)).toEqual(image.body.assetPointers);
    const paged = await system.api('POST', '/recent-images', { page: 2 });
    expect(paged.body.items.length).toBeGreaterThan(recent.body.items.length);

    const prompt = await system.api('POST', '/conversation-prompt', { conversationId: text.body.conversationId });
    expect(prompt.status).toBe(200);
    expect(prompt.body).toMatchObject({ success: true, nodeId: expect.any(String) });
    expect(prompt.body.prompt).toMatch(/^a robot tee, remixed as/);
    const plain = await system.api('POST', '/gptgen', { prompt: 'just chat', url: 'https://chatgpt.com/' });
    const none = await system.api('POST', '/conversation-prompt', { conversationId: plain.body.conversationId });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ success: false, prompt: '' });
    expect(none.body.debugCheckedNodes).toHaveLength(2);
  });

  it('refuses bad requests with 400s and codes, and keys without the chatgpt scope', async () => {
    const neither = await system.api('POST', '/gptgen', { imageUrl: '' });
    expect(neither.status).toBe(400);
    expect(neither.body).toMatchObject({ success: false, code: 'INVALID_REQUEST' });
    expect(neither.body.error).toMatch(/prompt or imageUrl/);
    const badUrl = await system.api('POST', '/gptgen', { prompt: 'x', url: 'https://example.com/g/g-abc' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.code).toBe('INVALID_REQUEST');
    const unknown = await system.api('POST', '/gptgen', { prompt: 'x', model: 'gpt-5' });
    expect(unknown.status).toBe(400);
    const noId = await system.api('POST', '/conversation-prompt', {});
    expect(noId.status).toBe(400);
    expect(noId.body.code).toBe('INVALID_REQUEST');
    const badPage = await system.api('POST', '/recent-images', { page: 0 });
    expect(badPage.status).toBe(400);

    const empty = await system.api('POST', '/v1/chatgpt/conversations', { prompt: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/prompt/) });
    const notImage = await system.api('POST', '/v1/chatgpt/conversations', {
      images: [{ data: Buffer.from('not an image').toString('base64') }],
    });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.message).toMatch(/not a PNG/);
    const tooMany = await system.api('POST', '/v1/chatgpt/conversations', {
      prompt: 'x',
      image_urls: [1, 2, 3, 4, 5].map((i) => `${imageUrl}?${i}`),
    });
    expect(tooMany.status).toBe(400);
    const idea = await system.api('POST', '/v1/chatgpt/conversations', {
      prompt: 'x',
      idea_id: '6f1c2b1e-8a2d-4a55-9f38-0b7f4c1e2d3a',
    });
    expect(idea.status).toBe(400); // ChatGPT jobs never touch product_design
    const badId = await system.api('POST', '/v1/chatgpt/conversations', { prompt: 'x', conversation_id: 'abc' });
    expect(badId.status).toBe(400);
    const badPath = await system.api('GET', '/v1/chatgpt/conversations/not-an-id/prompt');
    expect(badPath.status).toBe(400);

    const noKey = await system.api('POST', '/gptgen', { prompt: 'x' }, { 'x-api-key': '' });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    const wrongKey = await system.api('GET', '/v1/chatgpt/recent-images', undefined, { 'x-api-key': 'gw_wrong' });
    expect(wrongKey.status).toBe(401);
    const key = await system.api('POST', '/v1/admin/keys', { name: 'mj only', scopes: ['midjourney'] });
    expect(key.status).toBe(201);
    const scoped = { 'x-api-key': key.body.key };
    const forbidden = await system.api('POST', '/v1/chatgpt/conversations', { prompt: 'x' }, scoped);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN_SCOPE');
    const forbiddenCompat = await system.api('POST', '/gptgen', { prompt: 'x' }, scoped);
    expect(forbiddenCompat.status).toBe(403);
    expect(forbiddenCompat.body).toMatchObject({ success: false, code: 'FORBIDDEN_SCOPE' });
  });

  it('fails a job for a GPT that does not exist with GPT_NOT_FOUND', async () => {
    const created = await system.api('POST', '/v1/chatgpt/conversations', {
      prompt: 'hello',
      gpt_url: 'https://chatgpt.com/g/g-000000000000000000000000000000ff-missing',
    });
    const job = await system.waitForJob(created.body.id, (j) => j.status === 'failed');
    expect(job.error.code).toBe('GPT_NOT_FOUND');
    const gone = await system.api('POST', '/gptgen', {
      prompt: 'hello',
      url: 'https://chatgpt.com/c/00000000-0000-8000-8000-000000000000',
    });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ success: false, code: 'GPT_NOT_FOUND' });
  });
});
