import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserSession } from '@app/browser';
import { ProviderException, type JobMessage } from '@app/contracts';
import { fetchExternalImage, type InflightState } from '@app/provider-adapter';
import { strictMock, type StrictMock } from '../../../../test/strict-mock.js';
import { GeminiAdapterConfig } from './gemini-adapter.config.js';
import { GeminiAdapter } from './gemini.adapter.js';
import * as ui from './gemini-ui.js';

// The page is driven through gemini-ui.js (its in-page code runs against the simulator in the system spec); here
// every UI step is a strict mock, so the adapter's decisions are tested alone: a step it was not told to expect
// fails the test.
vi.mock('./gemini-ui.js', () => {
  const strict = (name: string) =>
    vi.fn(() => {
      throw new Error(`${name} called without an implementation`);
    });
  return {
    pageMarker: strict('pageMarker'),
    chooseVideoTool: strict('chooseVideoTool'),
    attachImage: strict('attachImage'),
    typePrompt: strict('typePrompt'),
    clickSend: strict('clickSend'),
    waitForConversation: strict('waitForConversation'),
    readAnswer: strict('readAnswer'),
    answerSignature: strict('answerSignature'),
    answerChanged: strict('answerChanged'),
    clickDownload: strict('clickDownload'),
    fetchInTab: strict('fetchInTab'),
  };
});
vi.mock('@app/provider-adapter', async (original) => ({
  ...(await original<typeof import('@app/provider-adapter')>()),
  fetchExternalImage: vi.fn(() => {
    throw new Error('fetchExternalImage called without an implementation');
  }),
}));
const fetchImage = vi.mocked(fetchExternalImage);
const UI = vi.mocked(ui);

const APP = 'https://gemini.google.com';
const CHAT = 'c0ffee0123456789';
const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

function job(input: Record<string, unknown>, extra: Partial<JobMessage> = {}): JobMessage {
  return {
    jobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
    provider: 'gemini',
    operation: 'video',
    input,
    deadlineAt: new Date(Date.now() + 600_000).toISOString(),
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

function inflight(message: JobMessage): InflightState {
  return {
    job: message,
    account: 'default',
    phase: 'submitted',
    submission: { providerJobId: CHAT, expectedCount: 1, kind: 'video', expectedDurationMs: 1000 },
    stored: [],
    seq: 1,
    polls: 0,
    pollErrors: 0,
    updatedAt: new Date().toISOString(),
  };
}

describe('GeminiAdapter', () => {
  let browser: StrictMock<BrowserSession>;
  let page: StrictMock<Page>;
  let adapter: GeminiAdapter;
  let downloadDir: string;

  beforeEach(async () => {
    downloadDir = await mkdtemp(join(tmpdir(), 'gemini-spec-'));
    page = strictMock<Page>('page', { goto: async () => null, isClosed: () => false });
    browser = strictMock<BrowserSession>('browser', {
      onRelaunch: () => undefined,
      openTab: async () => page,
      closeTab: async () => undefined,
    });
    adapter = new GeminiAdapter(
      browser,
      Object.assign(new GeminiAdapterConfig(), { appUrl: `${APP}/app`, downloadDir, pageTimeoutMs: 1000 }),
    );
  });

  afterEach(async () => {
    vi.clearAllMocks();
    for (const fn of Object.values(UI)) fn.mockReset();
    await rm(downloadDir, { recursive: true, force: true });
  });

  /** Every step of a send that goes through, up to the new chat's id. */
  function sendsThrough() {
    UI.pageMarker.mockResolvedValue('ready');
    UI.chooseVideoTool.mockResolvedValue('ok');
    UI.typePrompt.mockImplementation(async (_page, text) => text);
    UI.clickSend.mockResolvedValue(undefined);
    UI.waitForConversation.mockResolvedValue({ id: CHAT });
  }

  it('chooses the video tool, attaches the fetched start image, types, sends, and takes the chat id', async () => {
    sendsThrough();
    UI.attachImage.mockResolvedValue(undefined);
    fetchImage.mockResolvedValue({ bytes: PNG, contentType: 'image/png' });
    const submission = await adapter.submit(
      job({ prompt: 'a boat', imageUrl: 'https://img.example/start.png' }),
      AbortSignal.timeout(5000),
    );
    expect(submission).toMatchObject({
      providerJobId: CHAT,
      expectedCount: 1,
      kind: 'video',
      result: { conversation_id: CHAT, with_image: true },
    });
    expect(fetchImage).toHaveBeenCalledWith(
      'https://img.example/start.png',
      expect.objectContaining({ allowPrivate: false, maxBytes: 20 * 1024 * 1024 }),
    );
    expect(page.goto).toHaveBeenCalledWith(`${APP}/app`, expect.objectContaining({ waitUntil: 'domcontentloaded' }));
    expect(UI.attachImage.mock.calls[0][1]).toEqual({
      name: 'start.png',
      type: 'image/png',
      base64: PNG.toString('base64'),
    });
    // The tool before the image and the prompt; the send last.
    const order = (fn: { mock: { invocationCallOrder: number[] } }) => fn.mock.invocationCallOrder[0];
    expect(order(UI.chooseVideoTool)).toBeLessThan(order(UI.attachImage));
    expect(order(UI.attachImage)).toBeLessThan(order(UI.typePrompt));
    expect(order(UI.typePrompt)).toBeLessThan(order(UI.clickSend));
    expect(browser.closeTab).not.toHaveBeenCalled(); // the tab is the job's until it ends
  });

  it('fails a signed-out page with SIGNED_OUT, surely not submitted, and closes the tab', async () => {
    UI.pageMarker.mockResolvedValue('signed_out');
    const error = await adapter.submit(job({ prompt: 'a boat' }), AbortSignal.timeout(5000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderException);
    expect(error).toMatchObject({ code: 'SIGNED_OUT', control: { rejected: true } });
    expect(UI.chooseVideoTool).not.toHaveBeenCalled();
    expect(browser.closeTab).toHaveBeenCalledWith(page);
  });

  it('fails with FEATURE_UNAVAILABLE when the Tools drawer offers no video tool, before typing anything', async () => {
    UI.pageMarker.mockResolvedValue('ready');
    UI.chooseVideoTool.mockResolvedValue('missing');
    const error = await adapter.submit(job({ prompt: 'a boat' }), AbortSignal.timeout(5000)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FEATURE_UNAVAILABLE', control: { rejected: true } });
    expect(UI.typePrompt).not.toHaveBeenCalled();
    expect(UI.clickSend).not.toHaveBeenCalled();
  });

  it('refuses a start image that is no image before opening a tab', async () => {
    fetchImage.mockResolvedValue({ bytes: Buffer.from('<html>'), contentType: 'text/html' });
    const error = await adapter
      .submit(job({ prompt: 'a boat', imageUrl: 'https://img.example/x' }), AbortSignal.timeout(5000))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPLOAD_FAILED' });
    expect(browser.openTab).not.toHaveBeenCalled();
  });

  it('marks a send without a chat id as outcome unknown (never sent twice) and keeps the tab', async () => {
    sendsThrough();
    UI.waitForConversation.mockResolvedValue(null);
    const error = await adapter.submit(job({ prompt: 'a boat' }), AbortSignal.timeout(5000)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT', control: { outcomeUnknown: true } });
    expect(browser.closeTab).not.toHaveBeenCalled();
  });

  it('refuses an invalid payload without touching the browser', async () => {
    const error = await adapter.submit(job({ prompt: '   ' }), AbortSignal.timeout(5000)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(browser.openTab).not.toHaveBeenCalled();
  });

  it('reopens the chat after a restart and completes on the video', async () => {
    UI.pageMarker.mockResolvedValue('ready');
    UI.readAnswer.mockResolvedValue({
      found: true,
      videoSrc: `${APP}/v/${CHAT}.mp4`,
      downloadButton: true,
      generating: false,
      done: true,
      text: 'Your video is ready!',
      alerts: [],
      conversationId: CHAT,
    });
    const outcome = await adapter.poll(inflight(job({ prompt: 'a boat' })), AbortSignal.timeout(5000));
    expect(browser.openTab).toHaveBeenCalledWith(`${APP}/app/${CHAT}`, expect.anything());
    expect(outcome).toMatchObject({
      state: 'completed',
      expectedCount: 1,
      ready: [{ index: 0, url: `${APP}/v/${CHAT}.mp4`, kind: 'video' }],
    });
  });

  describe('push: the job’s tab watched for the page’s own updates', () => {
    const rendering = {
      found: true,
      videoSrc: null,
      downloadButton: false,
      generating: true,
      done: false,
      text: 'Generating your video…',
      alerts: [],
      conversationId: CHAT,
    };
    let changed: () => void;
    let watchSignal: AbortSignal | undefined;

    beforeEach(() => {
      UI.pageMarker.mockResolvedValue('ready');
      UI.readAnswer.mockResolvedValue(rendering);
      UI.answerSignature.mockReturnValue('rendering');
      UI.answerChanged.mockImplementation((_page, _since, signal) => {
        watchSignal = signal;
        return new Promise<void>((resolve) => (changed = resolve));
      });
    });

    it('watches a running job once, wakes it by its chat id when the answer changes, then polls decide again', async () => {
      const wake = vi.fn();
      adapter.watch(wake);
      const state = inflight(job({ prompt: 'a boat' }));
      expect((await adapter.poll(state, AbortSignal.timeout(5000))).state).toBe('running');
      expect(UI.answerChanged).toHaveBeenCalledWith(page, 'rendering', expect.any(AbortSignal));
      expect(adapter.pushes(state)).toBe(true);
      await adapter.poll(state, AbortSignal.timeout(5000)); // a backstop poll while watched: no second watcher
      expect(UI.answerChanged).toHaveBeenCalledTimes(1);
      changed();
      await vi.waitFor(() => expect(wake).toHaveBeenCalledWith(CHAT));
      expect(adapter.pushes(state)).toBe(false);
    });

    it('stops watching when the job ends (release)', async () => {
      const state = inflight(job({ prompt: 'a boat' }));
      await adapter.poll(state, AbortSignal.timeout(5000));
      await adapter.release(state.job.jobId);
      expect(watchSignal?.aborted).toBe(true);
      expect(adapter.pushes(state)).toBe(false);
    });

    it('only polls with GEMINI_PUSH=false', async () => {
      const polling = new GeminiAdapter(
        browser,
        Object.assign(new GeminiAdapterConfig(), {
          appUrl: `${APP}/app`,
          downloadDir,
          pageTimeoutMs: 1000,
          push: false,
        }),
      );
      const state = inflight(job({ prompt: 'a boat' }));
      expect(await polling.poll(state, AbortSignal.timeout(5000))).toMatchObject({
        state: 'running',
        retryAfterMs: 10_000,
      });
      expect(UI.answerChanged).not.toHaveBeenCalled();
      expect(polling.pushes(state)).toBe(false);
    });
  });

  it('fails a poll on the "not available" refusal with FEATURE_UNAVAILABLE', async () => {
    UI.pageMarker.mockResolvedValue('ready');
    UI.readAnswer.mockResolvedValue({
      found: true,
      videoSrc: null,
      downloadButton: false,
      generating: false,
      done: true,
      text: 'Tính năng tạo video hiện không có sẵn cho tài khoản của bạn.',
      alerts: [],
      conversationId: CHAT,
    });
    const outcome = await adapter.poll(inflight(job({ prompt: 'a boat' })), AbortSignal.timeout(5000));
    expect(outcome.state).toBe('failed');
    expect(outcome.error?.code).toBe('FEATURE_UNAVAILABLE');
  });

  it('falls back to fetching the video in the tab when there is no download button, size-limited', async () => {
    const cdp = strictMock<{
      send: () => Promise<unknown>;
      on: () => void;
      off: () => void;
      detach: () => Promise<void>;
    }>('cdp', { send: async () => ({}), on: () => undefined, off: () => undefined, detach: async () => undefined });
    page.browser.mockReturnValue({ target: () => ({ createCDPSession: async () => cdp }) } as never);
    UI.pageMarker.mockResolvedValue('ready');
    UI.clickDownload.mockResolvedValue(false);
    const bytes = Buffer.from('....ftypisom....');
    UI.fetchInTab.mockResolvedValueOnce({ status: 200, type: 'video/mp4', base64: bytes.toString('base64') });
    const state = inflight(job({ prompt: 'a boat' }));
    const ref = { index: 0, url: `${APP}/v/${CHAT}.mp4`, kind: 'video' as const };
    const file = await adapter.download(state, ref, AbortSignal.timeout(5000));
    expect(file).toEqual({ bytes, contentType: 'video/mp4' });
    expect(cdp.send).toHaveBeenCalledWith(
      'Browser.setDownloadBehavior',
      expect.objectContaining({ behavior: 'allowAndName' }),
    );
    UI.fetchInTab.mockResolvedValueOnce({ tooLarge: 300 * 1024 * 1024 });
    await expect(adapter.download(state, ref, AbortSignal.timeout(5000))).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
    });
  });

  it('stores the video under the idea (or job) folder, named by the chat id', () => {
    const state = inflight(job({ prompt: 'a boat' }, { ideaId: 'idea-1' }));
    state.submission!.providerJobId = '../../etc';
    const target = adapter.storageTarget(
      state,
      { index: 0, url: '', kind: 'video' },
      {
        bytes: Buffer.alloc(1),
        contentType: 'video/webm',
      },
    );
    expect(target).toEqual({ bucket: 'veo-videos', path: 'idea-1/veo_etc.webm' });
  });
});
