import { Injectable, Logger } from '@nestjs/common';
import type { Page } from 'puppeteer-core';
import {
  CHATGPT_PUBLIC_HOSTS,
  ChatgptConversationPayload,
  ProviderException,
  parsePayload,
  type ChatgptConversationPromptReply,
  type ChatgptConversationResult,
  type ChatgptRecentImagesReply,
  type JobMessage,
} from '@app/contracts';
import { BrowserSession } from '@app/browser';
import {
  BrowserProviderAdapter,
  fetchExternalImage,
  pngSize,
  readStoredUpload,
  type AccountCheck,
  type DownloadedFile,
  type InflightState,
  type PollOutcome,
  type ResultRef,
  type Submission,
} from '@app/provider-adapter';
import { ObjectStorage } from '@app/storage';
import { ChatgptAdapterConfig } from './chatgpt-adapter.config.js';
import { ChatgptBackend } from './chatgpt-backend.js';
import { acceptedConversation } from './send-outcome.js';
import {
  attachImages,
  clickRetry,
  clickSend,
  conversationHook,
  pageMarker,
  readRun,
  sendCount,
  streaming,
  typePrompt,
  waitForSendOutcome,
  waitForThread,
  type PageMarker,
} from './chatgpt-ui.js';
import {
  analyzeRun,
  classifyPageError,
  comparableText,
  firstCodeBlock,
  parseCodeBlocks,
  pointersOf,
  textOf,
  type RunAnalysis,
} from './conversation.js';

/** One run's browser side: its own tab (absent after a relaunch or a restart), and its network retry. */
interface Run {
  page?: Page;
  /** The send click happened: from here a failure may hide an accepted message. */
  sent: boolean;
  retried: boolean;
}

interface RunMeta {
  userMessageId?: string | null;
  /** Path of the GPT on the app origin (`/g/g-…`), '' for a plain chat. */
  gptPath?: string;
}

const MARKER_ERRORS: Record<Exclude<PageMarker, 'ready'>, () => ProviderException> = {
  signed_out: () =>
    new ProviderException('SIGNED_OUT', 'chatgpt.com shows the login button: sign the profile in again'),
  challenge: () =>
    new ProviderException(
      'CHALLENGE',
      'chatgpt.com shows a challenge page after a reload; solve it in a headed browser',
    ),
  gpt_not_found: () => new ProviderException('GPT_NOT_FOUND', 'The custom GPT is inaccessible or not found'),
  conversation_not_found: () =>
    new ProviderException('GPT_NOT_FOUND', 'The conversation does not exist for this account'),
};

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/**
 * ChatGPT custom GPTs in a signed-in chatgpt.com profile (PROVIDERS.md §4). A run types into its own tab like a
 * person (the page does the sentinel and proof-of-work dance itself); the tab is read while the answer streams,
 * and the backend's conversation JSON is the record of what was said: final text, code blocks, and the generated
 * images by their pointers, kept apart from the uploaded inputs. Without the tab (browser relaunched, worker
 * restarted) a run is followed through the backend alone, so it resumes instead of hanging.
 */
@Injectable()
export class ChatgptAdapter extends BrowserProviderAdapter {
  readonly provider = 'chatgpt' as const;
  readonly operations = ['conversation'] as const;
  private readonly logger = new Logger(ChatgptAdapter.name);
  private readonly app: string;
  readonly backend: ChatgptBackend;
  private readonly runs = new Map<string, Run>();

  constructor(
    browser: BrowserSession,
    private readonly storage: ObjectStorage,
    private readonly config: ChatgptAdapterConfig,
  ) {
    super(browser);
    this.app = new URL(config.appUrl).origin;
    this.backend = new ChatgptBackend(browser, this.app, config.rateLimitCooldownMs);
    // A relaunch closed every tab: runs go on through the backend (and a fresh tab if they need a retry).
    browser.onRelaunch(() => {
      for (const run of this.runs.values()) run.page = undefined;
      this.backend.reset();
    });
  }

  // ------------------------------------------------------------ account

  async checkAccount(signal: AbortSignal): Promise<AccountCheck> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const page = await this.browser.navigate(this.app, `${this.app}/`, signal);
      const marker = await pageMarker(page, this.config.pageTimeoutMs, signal);
      if (marker === 'ready') {
        try {
          await this.backend.accessToken(signal, true);
          return { signedIn: true, state: 'ready' };
        } catch (error) {
          const e = this.classifyError(error);
          if (e.code === 'SIGNED_OUT') return { signedIn: false, state: 'signed_out', detail: e.message };
          if (e.code === 'CHALLENGE') return { signedIn: false, state: 'challenge', detail: e.message };
          throw e;
        }
      }
      if (marker === 'signed_out') {
        return { signedIn: false, state: 'signed_out', detail: 'chatgpt.com shows the login button' };
      }
      // A challenge gets one reload (it may clear); a second one needs a person on this profile.
      if (marker === 'challenge' && attempt === 1) {
        return { signedIn: false, state: 'challenge', detail: 'Cloudflare challenge persists after a reload' };
      }
    }
    return { signedIn: false, state: 'error', detail: 'Neither the composer nor the login button appeared' };
  }

  // ------------------------------------------------------------ submit

  /** Where the run happens: the GPT (the job's, else the configured one), or the conversation to continue. */
  private target(input: ChatgptConversationPayload): { url: string; gptPath: string } {
    const gpt = new URL(input.gptUrl ?? this.config.gptUrl, this.app);
    const allowed = new Set([new URL(this.app).host, ...CHATGPT_PUBLIC_HOSTS]);
    if (input.gptUrl && !allowed.has(gpt.host)) {
      throw new ProviderException('INVALID_PARAMETER', `gptUrl must be on ${[...allowed].join(' or ')}`);
    }
    // Opened on our own origin whatever host the URL named (chatgpt.com URLs work against the simulator too). A
    // conversation continued without a GPT URL opens as /c/<id>: it knows its GPT.
    const gptPath =
      input.conversationId && !input.gptUrl ? '' : (/^\/g\/g-[A-Za-z0-9-]+/.exec(gpt.pathname)?.[0] ?? '');
    const path = input.conversationId ? `${gptPath}/c/${input.conversationId}` : gptPath || '/';
    return { url: `${this.app}${path}`, gptPath };
  }

  private async images(input: ChatgptConversationPayload, signal: AbortSignal) {
    const files: Array<{ name: string; type: string; base64: string }> = [];
    for (const url of input.imageUrls ?? []) {
      const image = await fetchExternalImage(url, {
        allowPrivate: this.config.allowPrivateUrls,
        maxBytes: this.config.maxImageBytes,
        signal,
      });
      files.push({ name: '', type: image.contentType, base64: image.bytes.toString('base64') });
    }
    for (const upload of input.uploads ?? []) {
      const object = await readStoredUpload(this.storage, upload, signal, (m) => this.logger.warn(m));
      if (object.bytes.length > this.config.maxImageBytes) {
        throw new ProviderException('UPLOAD_FAILED', 'Uploaded image is too large');
      }
      files.push({ name: '', type: upload.contentType, base64: object.bytes.toString('base64') });
    }
    return files.map((f, i) => ({ ...f, name: `image-${i + 1}.${EXTENSIONS[f.type] ?? 'png'}` }));
  }

  async submit(job: JobMessage, outer: AbortSignal): Promise<Submission> {
    if (job.operation !== 'conversation') {
      throw new ProviderException('INVALID_PAYLOAD', `Unknown ChatGPT operation ${job.operation}`);
    }
    const input = parsePayload(ChatgptConversationPayload, job.input);
    // No wait of the submission outlives the job's deadline.
    const signal = AbortSignal.any([outer, AbortSignal.timeout(Math.max(1, Date.parse(job.deadlineAt) - Date.now()))]);
    const { url, gptPath } = this.target(input);
    const files = await this.images(input, signal);
    const run: Run = { sent: false, retried: false };
    const page = await this.browser.openTab('about:blank', signal);
    run.page = page;
    this.runs.set(job.jobId, run);
    try {
      await page.evaluateOnNewDocument(conversationHook);
      await this.openComposer(page, url, signal);
      if (input.conversationId) {
        const thread = await waitForThread(page, this.config.pageTimeoutMs, signal);
        if (thread === 'missing') throw MARKER_ERRORS.conversation_not_found();
        if (!thread) throw new ProviderException('PROVIDER_TIMEOUT', 'The conversation did not load in time');
        // One answer at a time per conversation: a busy one makes the job wait in the queue, not fail.
        if (await streaming(page)) {
          throw new ProviderException('QUEUE_FULL', 'The conversation is busy with another answer', undefined, {
            waitInQueue: true,
            retryAfterMs: this.config.busyRetryMs,
          });
        }
      }
      if (files.length) {
        await attachImages(page, files, this.config.uploadTimeoutMs, signal).catch((error: unknown) => {
          throw new ProviderException('UPLOAD_FAILED', `Attaching the images failed: ${String(error)}`);
        });
      }
      const prompt = input.prompt?.trim() ?? '';
      if (prompt) {
        const typed = await typePrompt(page, prompt);
        if (comparableText(typed) !== comparableText(prompt)) {
          throw new ProviderException('PROVIDER_ERROR', 'The prompt box did not take the prompt');
        }
      }
      const base = await sendCount(page);
      await clickSend(page, this.config.pageTimeoutMs, signal);
      run.sent = true;
      const outcome = await waitForSendOutcome(page, base, !input.conversationId, this.config.sendTimeoutMs, signal);
      const conversationId = acceptedConversation(outcome, this.config.rateLimitCooldownMs);
      const meta: RunMeta = { userMessageId: outcome?.userMessageId ?? null, gptPath };
      return {
        providerJobId: conversationId,
        expectedCount: 0, // known when the answer ends (images it generated)
        kind: 'image',
        expectedDurationMs: this.config.expectedAnswerMs,
        submittedPrompt: prompt,
        meta: { ...meta },
        result: {
          conversation_id: conversationId,
          ...(gptPath ? { gpt_url: `https://chatgpt.com${gptPath}` } : {}),
        },
      };
    } catch (thrown) {
      const error = this.classifyError(thrown);
      if (run.sent && !error.control.rejected) {
        // The message may have gone out: reconcile from the conversation list, never send it twice.
        this.logger.warn(`send of ${job.jobId} has an unknown outcome: ${error.message}`);
        throw error.with({ outcomeUnknown: true });
      }
      await this.release(job.jobId);
      throw error;
    }
  }

  /** Navigates the run's tab and waits for the composer; a challenge gets one reload. */
  private async openComposer(page: Page, url: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: this.config.pageTimeoutMs, signal });
      const marker = await pageMarker(page, this.config.pageTimeoutMs, signal);
      if (marker === 'ready') return;
      if (marker === 'challenge' && attempt === 0) continue;
      if (marker) throw MARKER_ERRORS[marker]();
      throw new ProviderException('PROVIDER_TIMEOUT', 'chatgpt.com did not show the composer in time');
    }
  }

  /**
   * After a crash mid-send: our message in the account's recent conversations (or the one continued), sent after
   * the run began, with the same text and image count. Null when it is not there (surely not sent).
   */
  override async findSubmission(state: InflightState, signal: AbortSignal): Promise<Submission | null> {
    const input = parsePayload(ChatgptConversationPayload, state.job.input);
    const since = Date.parse(state.submittingAt ?? state.updatedAt) - 30_000;
    const wanted = comparableText(input.prompt ?? '');
    const images = (input.imageUrls?.length ?? 0) + (input.uploads?.length ?? 0);
    const ids = input.conversationId
      ? [input.conversationId]
      : (await this.backend.conversations(0, 28, signal)).filter((c) => toMs(c.update_time) >= since).map((c) => c.id);
    for (const id of ids) {
      const conversation = await this.backend.conversation(id, signal).catch((error: unknown) => {
        if (error instanceof ProviderException && error.code === 'GPT_NOT_FOUND') return null;
        throw error;
      });
      if (!conversation) continue;
      const match = Object.values(conversation.mapping).find((node) => {
        const m = node.message;
        return (
          m?.author.role === 'user' &&
          (m.create_time ?? 0) * 1000 >= since &&
          comparableText(textOf(m)) === wanted &&
          pointersOf(m).length === images
        );
      });
      if (match) {
        const { gptPath } = this.target(input);
        this.logger.log(`${state.job.jobId} was sent before the crash: conversation ${id}`);
        return {
          providerJobId: id,
          expectedCount: 0,
          kind: 'image',
          expectedDurationMs: this.config.expectedAnswerMs,
          submittedPrompt: input.prompt ?? '',
          meta: { userMessageId: match.id, gptPath } satisfies RunMeta,
          result: { conversation_id: id },
        };
      }
    }
    return null;
  }

  // ------------------------------------------------------------ poll

  async poll(state: InflightState, signal: AbortSignal): Promise<PollOutcome> {
    const submission = state.submission!;
    const conversationId = submission.providerJobId;
    const meta = (submission.meta ?? {}) as RunMeta;
    const run = this.runFor(state.job.jobId);
    const running = (text: string): PollOutcome => ({
      state: 'running',
      ready: [],
      retryAfterMs: this.config.pollIntervalMs,
      result: { conversation_id: conversationId, text, code_blocks: parseCodeBlocks(text) },
    });

    // While the tab lives, it tells best how the answer streams and what error the page shows.
    if (run.page && !run.page.isClosed()) {
      const dom = await readRun(run.page, meta.userMessageId ?? null).catch((error: unknown) => {
        this.logger.warn(`reading the tab of ${state.job.jobId} failed (${String(error)}); following the backend`);
        run.page = undefined;
        return null;
      });
      if (dom?.found) {
        const error = dom.errors.map(classifyPageError).find((e) => e !== null);
        if (error?.code === 'NETWORK_ERROR') return this.retryOnce(state, run, meta, dom.text, signal);
        if (error) {
          return { state: 'failed', ready: [], error, result: { conversation_id: conversationId, text: dom.text } };
        }
        // Every fifth poll asks the backend anyway: a page that stopped updating cannot hold a finished run.
        const busy = !dom.finished || dom.streaming || dom.creatingImage;
        if (busy && state.polls % 5 !== 4) return running(dom.text);
      }
    }

    // The backend decides the end (and is all there is without a tab).
    let conversation = await this.backend.conversation(conversationId, signal);
    const options = { userMessageId: meta.userMessageId, sinceMs: Date.parse(state.submittedAt ?? state.updatedAt) };
    let analysis = analyzeRun(conversation, options);
    if (analysis.pendingImages && (await this.backend.asyncStatus(conversationId, signal)) === 'OK') {
      conversation = await this.backend.conversation(conversationId, signal);
      analysis = analyzeRun(conversation, options);
    }
    if (analysis.state === 'interrupted') return this.retryOnce(state, run, meta, analysis.text, signal);
    if (analysis.state !== 'completed') return running(analysis.text);
    return {
      state: 'completed',
      progress: 100,
      expectedCount: analysis.outputPointers.length,
      ready: analysis.outputPointers.map((pointer, index) => ({ index, url: pointer, kind: 'image' as const })),
      result: this.resultOf(conversationId, analysis, meta),
    };
  }

  private resultOf(
    conversationId: string,
    analysis: RunAnalysis,
    meta: RunMeta,
  ): ChatgptConversationResult & Record<string, unknown> {
    return {
      conversation_id: conversationId,
      text: analysis.text,
      code_blocks: parseCodeBlocks(analysis.text),
      asset_pointers: analysis.outputPointers,
      input_asset_pointers: analysis.inputPointers,
      ...(analysis.assistantMessageId ? { message_id: analysis.assistantMessageId } : {}),
      ...(meta.gptPath ? { gpt_url: `https://chatgpt.com${meta.gptPath}` } : {}),
    };
  }

  private runFor(jobId: string): Run {
    let run = this.runs.get(jobId);
    if (!run) {
      run = { sent: true, retried: false };
      this.runs.set(jobId, run);
    }
    return run;
  }

  /**
   * "A network error occurred" mid-answer: reload (or reopen) the conversation once and press Retry, as a person
   * would; a second failure ends the run with NETWORK_ERROR.
   */
  private async retryOnce(
    state: InflightState,
    run: Run,
    meta: RunMeta,
    partial: string,
    signal: AbortSignal,
  ): Promise<PollOutcome> {
    const conversationId = state.submission!.providerJobId;
    if (run.retried) {
      return {
        state: 'failed',
        ready: [],
        error: new ProviderException(
          'NETWORK_ERROR',
          'A network error occurred mid-answer, again after a reload and retry',
        ),
        result: { conversation_id: conversationId, text: partial },
      };
    }
    run.retried = true;
    const url = `${this.app}${meta.gptPath ?? ''}/c/${conversationId}`;
    this.logger.warn(`${state.job.jobId}: network error mid-answer; reloading ${url} and retrying once`);
    if (!run.page || run.page.isClosed()) {
      run.page = await this.browser.openTab('about:blank', signal);
      await run.page.evaluateOnNewDocument(conversationHook);
    }
    await this.openComposer(run.page, url, signal);
    await waitForThread(run.page, this.config.pageTimeoutMs, signal);
    const retried = await clickRetry(run.page, meta.userMessageId ?? null, this.config.sendTimeoutMs, signal);
    // No Retry button after the reload: the answer finished server-side after all; the next poll reads it.
    if (!retried) this.logger.log(`${state.job.jobId}: nothing to retry after the reload`);
    return {
      state: 'running',
      ready: [],
      retryAfterMs: this.config.pollIntervalMs,
      result: { conversation_id: conversationId, text: partial },
    };
  }

  // ------------------------------------------------------------ results

  async download(state: InflightState, ref: ResultRef, signal: AbortSignal): Promise<DownloadedFile | null> {
    const url = await this.backend.downloadUrl(state.submission!.providerJobId, ref.url, signal);
    if (!url) return null;
    const res = await this.backend.bytes(url, signal);
    if (res.status === 404) return null;
    if (!res.ok) throw new ProviderException('PROVIDER_ERROR', `Image download answered ${res.status}`);
    const contentType = (res.headers['content-type'] ?? 'image/png').split(';')[0].trim();
    if (!contentType.startsWith('image/') || res.body.length === 0) {
      throw new ProviderException('PROVIDER_ERROR', `Image download gave ${contentType}, ${res.body.length} bytes`);
    }
    return { bytes: res.body, contentType, ...(pngSize(res.body) ?? {}) };
  }

  storageTarget(state: InflightState, ref: ResultRef, file: DownloadedFile): { bucket: string; path: string } {
    // The pointer's file id names the object: a re-delivered download lands on the same path.
    const fileId =
      ref.url.replace(/^(?:sediment|file-service):\/\//, '').replace(/[^A-Za-z0-9_-]/g, '') || `${ref.index}`;
    const folder = state.job.ideaId ?? state.job.jobId;
    return { bucket: this.config.bucket, path: `${folder}/${fileId}.${EXTENSIONS[file.contentType] ?? 'png'}` };
  }

  override async release(jobId: string): Promise<void> {
    const run = this.runs.get(jobId);
    this.runs.delete(jobId);
    if (run?.page) await this.browser.closeTab(run.page);
  }

  /** Page-side waits that ran out say so only in their message; a tab or browser that went away is a provider error. */
  override classifyError(error: unknown): ProviderException {
    if (error instanceof Error && !(error instanceof ProviderException) && /timed? ?out/i.test(error.message)) {
      return new ProviderException('PROVIDER_TIMEOUT', error.message);
    }
    return super.classifyError(error);
  }

  // ------------------------------------------------------------ quick requests

  /** The account's recent image generations: `pages` feed pages of `limit` items from `cursor`. */
  async recentImages(
    request: { conversationId?: string; pages?: number; limit?: number; cursor?: string },
    signal: AbortSignal,
  ): Promise<ChatgptRecentImagesReply> {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | null = request.cursor ?? null;
    for (let page = 0; page < (request.pages ?? 1); page++) {
      const answer = await this.backend.recentImages(request.limit ?? 6, cursor ?? undefined, signal);
      items.push(...answer.items);
      cursor = answer.cursor;
      if (!cursor || answer.items.length === 0) break;
    }
    return {
      items: request.conversationId ? items.filter((i) => i.conversation_id === request.conversationId) : items,
      cursor,
    };
  }

  async conversationPrompt(conversationId: string, signal: AbortSignal): Promise<ChatgptConversationPromptReply> {
    return firstCodeBlock(await this.backend.conversation(conversationId, signal));
  }
}

function toMs(value: string | number | undefined): number {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  return Date.parse(value ?? '') || 0;
}
