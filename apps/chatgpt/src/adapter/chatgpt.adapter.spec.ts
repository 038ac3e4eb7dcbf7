import type { Page } from 'puppeteer-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { BrowserSession, type BrowserState, type FetchInit, type FetchResult } from '@app/browser';
import { ProviderException, type JobMessage } from '@app/contracts';
import type { InflightState } from '@app/provider-adapter';
import { ObjectStorage } from '@app/storage';
import { ChatgptAdapterConfig } from './chatgpt-adapter.config.js';
import { ChatgptAdapter } from './chatgpt.adapter.js';
import { acceptedConversation } from './send-outcome.js';

const APP = 'https://chatgpt.com';
const CID = '682b4c8d-1234-800a-9e5f-0123456789ab';
type Reply = Partial<FetchResult> | Error;

/** A strict stand-in for the browser: in-page fetches answer from scripted routes; anything else throws. */
class ScriptedBrowser extends BrowserSession {
  readonly calls: Array<{ method: string; url: string; init: FetchInit }> = [];
  private readonly routes: Array<{ method: string; path: string; replies: Reply[] }> = [];

  on(method: string, path: string, ...replies: Reply[]): this {
    this.routes.push({ method, path, replies });
    return this;
  }

  fetch<T>(_origin: string, url: string, init: FetchInit = {}): Promise<FetchResult<T>> {
    const method = init.method ?? 'GET';
    this.calls.push({ method, url, init });
    const { pathname, search } = new URL(url);
    const route = this.routes.find((r) => r.method === method && r.path === pathname + search && r.replies.length);
    const reply = route?.replies.shift();
    if (!reply) throw new Error(`unexpected call ${method} ${url}`);
    if (reply instanceof Error) return Promise.reject(reply);
    const status = reply.status ?? 200;
    return Promise.resolve({ status, ok: status < 300, url, headers: {}, body: undefined, ...reply } as FetchResult<T>);
  }

  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  page = (): Promise<Page> => Promise.reject(new Error('page: not scripted'));
  navigate = (): Promise<Page> => Promise.reject(new Error('navigate: not scripted'));
  openTab = (): Promise<Page> => Promise.reject(new Error('openTab: not scripted'));
  closeTab = () => Promise.resolve();
  cookies = () => Promise.resolve([{ name: 'oai-did', value: 'device-1' }]);
  saveCookies = () => Promise.resolve();
  state = (): BrowserState => ({ connected: true, launchedAt: null, relaunches: 0, pages: 1 });
  onRelaunch = () => undefined;
}

class NoStorage extends ObjectStorage {
  put = () => Promise.reject(new Error('put: not expected'));
  publicUrl = () => {
    throw new Error('publicUrl: not expected');
  };
  get = () => Promise.reject(new Error('get: not expected'));
  ping = () => Promise.resolve();
}

const session = { body: { accessToken: 'token-1', expires: new Date(Date.now() + 3600_000).toISOString() } };

type Msg = {
  id: string;
  role: string;
  parent: string | null;
  text?: string;
  parts?: unknown[];
  status?: string;
  metadata?: object;
};
function conversation(messages: Msg[]) {
  const mapping: Record<string, unknown> = { root: { id: 'root', message: null, parent: null, children: [] } };
  for (const m of messages) {
    mapping[m.id] = {
      id: m.id,
      parent: m.parent ?? 'root',
      children: [],
      message: {
        id: m.id,
        author: { role: m.role },
        content: m.parts
          ? { content_type: 'multimodal_text', parts: m.parts }
          : { content_type: 'text', parts: [m.text ?? ''] },
        status: m.status ?? 'finished_successfully',
        create_time: Date.now() / 1000,
        metadata: m.metadata ?? {},
      },
    };
  }
  return { body: { mapping, current_node: messages.at(-1)!.id, conversation_id: CID } };
}

const job = (input: Record<string, unknown>): JobMessage => ({
  jobId: 'job-1',
  provider: 'chatgpt',
  operation: 'conversation',
  input,
  deadlineAt: new Date(Date.now() + 60_000).toISOString(),
  createdAt: new Date().toISOString(),
});

function inflight(
  input: Record<string, unknown> = { prompt: 'a cat' },
  meta: Record<string, unknown> = {},
): InflightState {
  const now = new Date().toISOString();
  return {
    job: job(input),
    account: 'default',
    phase: 'submitted',
    submission: { providerJobId: CID, expectedCount: 0, kind: 'image', expectedDurationMs: 1000, meta },
    stored: [],
    seq: 1,
    polls: 0,
    pollErrors: 0,
    submittedAt: now,
    submittingAt: now,
    updatedAt: now,
  };
}

const signal = () => AbortSignal.timeout(10_000);

async function failure(promise: Promise<unknown>): Promise<ProviderException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderException);
  return error as ProviderException;
}

describe(ChatgptAdapter.name, () => {
  let browser: ScriptedBrowser;
  let sut: ChatgptAdapter;

  beforeEach(() => {
    browser = new ScriptedBrowser();
    sut = new ChatgptAdapter(browser, new NoStorage(), Object.assign(new ChatgptAdapterConfig(), { appUrl: APP }));
  });

  describe('poll without a tab (after a relaunch or a restart)', () => {
    it('follows a streaming answer through the backend with the session token, then completes it', async () => {
      const path = `/backend-api/conversation/${CID}`;
      browser.on('GET', '/api/auth/session', session).on(
        'GET',
        path,
        conversation([
          { id: 'u1', role: 'user', parent: null, text: 'a cat' },
          { id: 'a1', role: 'assistant', parent: 'u1', text: 'Here is ```te', status: 'in_progress' },
        ]),
        conversation([
          { id: 'u1', role: 'user', parent: null, text: 'a cat' },
          { id: 'a1', role: 'assistant', parent: 'u1', text: 'Here is\n```text\nA CAT\n```' },
        ]),
      );
      const state = inflight({ prompt: 'a cat' }, { userMessageId: 'u1', gptPath: '/g/g-abc' });
      const running = await sut.poll(state, signal());
      expect(running).toMatchObject({
        state: 'running',
        result: { conversation_id: CID, text: 'Here is ```te', code_blocks: [] },
      });
      const done = await sut.poll(state, signal());
      expect(done).toMatchObject({
        state: 'completed',
        expectedCount: 0,
        ready: [],
        result: {
          text: 'Here is\n```text\nA CAT\n```',
          code_blocks: [{ language: 'text', code: 'A CAT' }],
          asset_pointers: [],
          message_id: 'a1',
          gpt_url: 'https://chatgpt.com/g/g-abc',
        },
      });
      const call = browser.calls.find((c) => c.url.endsWith(path))!;
      expect(call.init.headers).toMatchObject({ authorization: 'Bearer token-1', 'oai-device-id': 'device-1' });
      expect(browser.calls.filter((c) => c.url.endsWith('/api/auth/session'))).toHaveLength(1); // token reused
    });

    it('asks async-status for a pending image turn and hands out only the generated images', async () => {
      const pending = conversation([
        { id: 'u1', role: 'user', parent: null, parts: [{ asset_pointer: 'file-service://file-IN' }, 'remix'] },
        { id: 'a1', role: 'assistant', parent: 'u1', text: 'Sure' },
        { id: 't1', role: 'tool', parent: 'a1', parts: [], status: 'in_progress', metadata: { image_gen_async: true } },
      ]);
      const done = conversation([
        { id: 'u1', role: 'user', parent: null, parts: [{ asset_pointer: 'file-service://file-IN' }, 'remix'] },
        { id: 'a1', role: 'assistant', parent: 'u1', text: 'Sure' },
        {
          id: 't1',
          role: 'tool',
          parent: 'a1',
          parts: [{ asset_pointer: 'sediment://file_OUT' }],
          metadata: { image_gen_async: true },
        },
      ]);
      browser
        .on('GET', '/api/auth/session', session)
        .on('GET', `/backend-api/conversation/${CID}`, pending, done)
        .on('POST', `/backend-api/conversation/${CID}/async-status`, { body: { status: 'OK' } });
      const outcome = await sut.poll(inflight({ prompt: 'remix' }, { userMessageId: 'u1' }), signal());
      expect(outcome).toMatchObject({
        state: 'completed',
        expectedCount: 1,
        ready: [{ index: 0, url: 'sediment://file_OUT', kind: 'image' }],
        result: { asset_pointers: ['sediment://file_OUT'], input_asset_pointers: ['file-service://file-IN'] },
      });
    });

    it('classifies a lost session and a missing conversation', async () => {
      browser.on('GET', '/api/auth/session', { body: {} });
      expect((await failure(sut.poll(inflight(), signal()))).code).toBe('SIGNED_OUT');
      browser
        .on('GET', '/api/auth/session', session)
        .on('GET', `/backend-api/conversation/${CID}`, { status: 404, body: { detail: 'not found' } });
      expect((await failure(sut.poll(inflight(), signal()))).code).toBe('GPT_NOT_FOUND');
    });

    it('refreshes the token once on a 401, then calls it signed out', async () => {
      browser
        .on('GET', '/api/auth/session', session, session)
        .on('GET', `/backend-api/conversation/${CID}`, { status: 401 }, { status: 401 });
      expect((await failure(sut.poll(inflight(), signal()))).code).toBe('SIGNED_OUT');
      expect(browser.calls.filter((c) => c.url.endsWith('/api/auth/session'))).toHaveLength(2);
    });
  });

  describe('findSubmission (after a crash mid-send)', () => {
    it('finds our message by text and image count in a conversation updated since the send began', async () => {
      browser
        .on('GET', '/api/auth/session', session)
        .on('GET', '/backend-api/conversations?offset=0&limit=28&order=updated', {
          body: {
            items: [
              { id: 'old', update_time: new Date(Date.now() - 3600_000).toISOString() },
              { id: CID, update_time: new Date().toISOString() },
            ],
          },
        })
        .on(
          'GET',
          `/backend-api/conversation/${CID}`,
          conversation([
            { id: 'u0', role: 'user', parent: null, text: 'a  cat\n' },
            { id: 'a0', role: 'assistant', parent: 'u0', text: 'ok' },
          ]),
        );
      const found = await sut.findSubmission(inflight({ prompt: 'a cat' }), signal());
      expect(found).toMatchObject({
        providerJobId: CID,
        meta: { userMessageId: 'u0' },
        result: { conversation_id: CID },
      });
      expect(browser.calls.some((c) => c.url.includes('/conversation/old'))).toBe(false);
    });

    it('answers null when the message is not there (surely not sent)', async () => {
      browser
        .on('GET', '/api/auth/session', session)
        .on(
          'GET',
          `/backend-api/conversation/${CID}`,
          conversation([{ id: 'u0', role: 'user', parent: null, text: 'something else' }]),
        );
      expect(await sut.findSubmission(inflight({ prompt: 'a cat', conversationId: CID }), signal())).toBeNull();
    });
  });

  describe('download', () => {
    it('resolves the pointer to a signed URL and fetches it in the page', async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000200000002000806000000', 'hex');
      browser
        .on('GET', '/api/auth/session', session)
        .on('GET', `/backend-api/conversation/${CID}/attachment/file_OUT/download`, {
          body: { download_url: '/backend-api/estuary/content?id=file_OUT&sig=abc' },
        })
        .on('GET', '/backend-api/estuary/content?id=file_OUT&sig=abc', {
          body: png,
          headers: { 'content-type': 'image/png' },
        });
      const file = await sut.download(inflight(), { index: 0, url: 'sediment://file_OUT', kind: 'image' }, signal());
      expect(file).toEqual({ bytes: png, contentType: 'image/png', width: 512, height: 512 });
      const estuary = browser.calls.at(-1)!;
      expect(estuary.init).toMatchObject({ responseType: 'bytes', credentials: 'include' });
      expect(sut.storageTarget(inflight(), { index: 0, url: 'sediment://file_OUT', kind: 'image' }, file!)).toEqual({
        bucket: 'chatgpt-images',
        path: 'job-1/file_OUT.png',
      });
    });

    it('answers null while the file is not there and refuses what is not an image', async () => {
      browser
        .on('GET', '/api/auth/session', session)
        .on('GET', '/backend-api/files/file-X/download', { status: 404 }, { body: { download_url: `${APP}/f/x` } })
        .on('GET', '/f/x', { body: Buffer.from('<html>'), headers: { 'content-type': 'text/html' } });
      const ref = { index: 0, url: 'file-service://file-X', kind: 'image' as const };
      expect(await sut.download(inflight(), ref, signal())).toBeNull();
      expect((await failure(sut.download(inflight(), ref, signal()))).message).toMatch(/text\/html/);
    });
  });

  it('refuses a GPT URL on another host before opening any tab', async () => {
    const error = await failure(sut.submit(job({ prompt: 'x', gptUrl: 'https://evil.example/g/g-abc' }), signal()));
    expect(error.code).toBe('INVALID_PARAMETER');
    const invalid = await failure(sut.submit(job({}), signal()));
    expect(invalid.code).toBe('INVALID_PAYLOAD');
  });

  it('walks recent image pages and filters by conversation', async () => {
    browser
      .on('GET', '/api/auth/session', session)
      .on('GET', '/backend-api/my/recent/image_gen?limit=2', {
        body: {
          items: [
            { id: 'g1', conversation_id: CID },
            { id: 'g2', conversation_id: 'other' },
          ],
          cursor: 'c1',
        },
      })
      .on('GET', '/backend-api/my/recent/image_gen?limit=2&after=c1', {
        body: { items: [{ id: 'g3', conversation_id: CID }], cursor: null },
      });
    const reply = await sut.recentImages({ pages: 5, limit: 2, conversationId: CID }, signal());
    expect(reply).toEqual({
      items: [
        { id: 'g1', conversation_id: CID },
        { id: 'g3', conversation_id: CID },
      ],
      cursor: null,
    });
  });
});

describe('acceptedConversation', () => {
  it('takes the conversation id of an accepted send', () => {
    expect(acceptedConversation({ kind: 'ok', conversationId: CID }, 1000)).toBe(CID);
  });

  it.each([
    [
      { kind: 'http', status: 429, detail: '{"detail":"Too many requests in 1 hour. Try again later."}' },
      'RATE_LIMITED',
      /Too many requests in 1 hour/,
    ],
    [{ kind: 'http', status: 401, detail: '' }, 'SIGNED_OUT', /401/],
    [{ kind: 'http', status: 403, detail: '<title>Just a moment...</title>' }, 'CHALLENGE', /403/],
    [{ kind: 'http', status: 404, detail: '{"detail":"Gizmo not found"}' }, 'GPT_NOT_FOUND', /Gizmo not found/],
    [{ kind: 'http', status: 500, detail: '{"detail":"Internal server error"}' }, 'PROVIDER_ERROR', /500/],
    [{ kind: 'alert', text: "You've reached our limit of messages per hour." }, 'RATE_LIMITED', /limit/],
  ] as const)('refuses %j as %s, surely not sent', (outcome, code, message) => {
    let error: unknown;
    try {
      acceptedConversation(outcome, 5000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderException);
    expect((error as ProviderException).code).toBe(code);
    expect((error as ProviderException).message).toMatch(message);
    expect((error as ProviderException).control.rejected).toBe(true);
    if (code === 'RATE_LIMITED') expect((error as ProviderException).control.retryAfterMs).toBe(5000);
  });

  it('leaves a network error and no answer at all as unknown outcomes', () => {
    for (const outcome of [null, { kind: 'alert' as const, text: 'A network error occurred.' }]) {
      let error: unknown;
      try {
        acceptedConversation(outcome, 5000);
      } catch (e) {
        error = e;
      }
      expect((error as ProviderException).control.rejected).toBeUndefined();
    }
  });
});
