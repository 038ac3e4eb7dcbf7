import { Injectable, Logger } from '@nestjs/common';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { GeminiVideoPayload, ProviderException, parsePayload, type JobMessage } from '@app/contracts';
import { BrowserSession } from '@app/browser';
import {
  BrowserProviderAdapter,
  fetchExternalImage,
  type AccountCheck,
  type DownloadedFile,
  type InflightState,
  type PollOutcome,
  type ResultRef,
  type Submission,
} from '@app/provider-adapter';
import { GeminiAdapterConfig } from './gemini-adapter.config.js';
import { answerOutcome } from './gemini-outcome.js';
import {
  attachImage,
  chooseVideoTool,
  clickDownload,
  clickSend,
  fetchInTab,
  pageMarker,
  readAnswer,
  answerChanged,
  answerSignature,
  typePrompt,
  waitForConversation,
} from './gemini-ui.js';

const SIGNED_OUT = () =>
  new ProviderException('SIGNED_OUT', 'Gemini shows the Google sign-in link: sign the profile in again by hand');

const IMAGE_EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};
const VIDEO_EXTENSIONS: Record<string, string> = { 'video/mp4': 'mp4', 'video/webm': 'webm' };

/** Text comparison that ignores what an editor does to whitespace. */
const comparable = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Veo videos through the Gemini web app (PROVIDERS.md §1.5) in a Google profile signed in once by hand. A job opens a
 * fresh chat in its own tab, chooses the video tool, attaches the start image, types the prompt and sends; the chat's
 * id (`/app/<id>`) is the provider job id. Polls read the tab (reopening the chat after a relaunch or a restart), and
 * the video is downloaded with the page's own download button into a folder of its own. The runtime runs one job at a
 * time per account (bug #17).
 */
@Injectable()
export class GeminiAdapter extends BrowserProviderAdapter {
  readonly provider = 'gemini' as const;
  readonly operations = ['video'] as const;
  private readonly logger = new Logger(GeminiAdapter.name);
  private readonly app: string;
  /** Each job's tab; absent after a relaunch or a restart (polls reopen the chat). */
  private readonly tabs = new Map<string, Page>();
  /** Jobs whose tab is watched for a change of the answer (a DOM observer): their news comes by push. */
  private readonly watching = new Map<string, AbortController>();
  private wake?: (providerJobId?: string) => void;

  constructor(
    browser: BrowserSession,
    private readonly config: GeminiAdapterConfig,
  ) {
    super(browser);
    this.app = new URL(config.appUrl).origin;
    browser.onRelaunch(() => {
      this.tabs.clear();
      for (const watch of this.watching.values()) watch.abort();
      this.watching.clear();
    });
  }

  // ------------------------------------------------------------ account

  async checkAccount(signal: AbortSignal): Promise<AccountCheck> {
    const page = await this.browser.navigate(this.app, `${this.app}/app`, signal);
    const marker = await pageMarker(page, this.config.pageTimeoutMs, signal);
    if (marker === 'ready') return { signedIn: true, state: 'ready' };
    if (marker === 'signed_out') {
      return { signedIn: false, state: 'signed_out', detail: 'Gemini shows the Google sign-in link' };
    }
    return { signedIn: false, state: 'error', detail: 'Neither the composer nor the sign-in link appeared' };
  }

  // ------------------------------------------------------------ submit

  async submit(job: JobMessage, outer: AbortSignal): Promise<Submission> {
    if (job.operation !== 'video') {
      throw new ProviderException('INVALID_PAYLOAD', `Unknown Gemini operation ${job.operation}`);
    }
    const input = parsePayload(GeminiVideoPayload, job.input);
    // No wait of the submission outlives the job's deadline.
    const signal = AbortSignal.any([outer, AbortSignal.timeout(Math.max(1, Date.parse(job.deadlineAt) - Date.now()))]);
    // Fetched before any tab opens: a bad image fails the job without touching the account.
    const image = input.imageUrl
      ? await fetchExternalImage(input.imageUrl, {
          allowPrivate: this.config.allowPrivateUrls,
          maxBytes: this.config.maxImageBytes,
          signal,
        })
      : null;
    if (image && !IMAGE_EXTENSIONS[image.contentType]) {
      throw new ProviderException(
        'UPLOAD_FAILED',
        `The start image is ${image.contentType}, not an image Gemini takes`,
      );
    }
    let sent = false;
    const page = await this.browser.openTab('about:blank', signal);
    this.tabs.set(job.jobId, page);
    try {
      await page.goto(`${this.app}/app`, { waitUntil: 'domcontentloaded', timeout: this.config.pageTimeoutMs, signal });
      const marker = await pageMarker(page, this.config.pageTimeoutMs, signal);
      if (marker === 'signed_out') throw SIGNED_OUT();
      if (!marker) throw new ProviderException('PROVIDER_TIMEOUT', 'Gemini did not show the composer in time');
      const tool = await chooseVideoTool(page, this.config.pageTimeoutMs, signal);
      if (tool === 'missing') {
        throw new ProviderException(
          'FEATURE_UNAVAILABLE',
          'Gemini offers no video tool (Veo) to this account: video generation is not available to it',
        );
      }
      if (image) {
        const file = {
          name: `start.${IMAGE_EXTENSIONS[image.contentType]}`,
          type: image.contentType,
          base64: image.bytes.toString('base64'),
        };
        await attachImage(page, file, this.config.uploadTimeoutMs, signal).catch((error: unknown) => {
          throw new ProviderException('UPLOAD_FAILED', `Attaching the start image failed: ${String(error)}`);
        });
      }
      const typed = await typePrompt(page, input.prompt);
      if (comparable(typed) !== comparable(input.prompt)) {
        throw new ProviderException('PROVIDER_ERROR', 'The prompt box did not take the prompt');
      }
      await clickSend(page, this.config.pageTimeoutMs, signal);
      sent = true;
      const outcome = await waitForConversation(page, this.config.sendTimeoutMs, signal);
      if (!outcome) throw new ProviderException('PROVIDER_TIMEOUT', 'Gemini did not open the chat after the send');
      if ('alert' in outcome) throw new ProviderException('PROVIDER_ERROR', `Gemini: ${outcome.alert.slice(0, 300)}`);
      return {
        providerJobId: outcome.id,
        expectedCount: 1,
        kind: 'video',
        expectedDurationMs: this.config.expectedRenderMs,
        submittedPrompt: input.prompt,
        result: { conversation_id: outcome.id, with_image: !!image },
      };
    } catch (thrown) {
      const error = this.classifyError(thrown);
      if (sent) {
        // The prompt may have gone out, and Gemini keeps no list we could look it up in: the runtime fails the job
        // SUBMISSION_UNKNOWN rather than make a second video.
        this.logger.warn(`send of ${job.jobId} has an unknown outcome: ${error.message}`);
        throw error.with({ outcomeUnknown: true });
      }
      await this.release(job.jobId);
      throw error.with({ rejected: true });
    }
  }

  // ------------------------------------------------------------ poll

  /** The job's tab, or the chat reopened in a new one (after a relaunch or a restart). */
  private async tabOf(state: InflightState, signal: AbortSignal): Promise<Page> {
    const open = this.tabs.get(state.job.jobId);
    if (open && !open.isClosed()) return open;
    const url = `${this.app}/app/${encodeURIComponent(state.submission!.providerJobId)}`;
    this.logger.log(`${state.job.jobId}: reopening ${url}`);
    const page = await this.browser.openTab(url, signal);
    this.tabs.set(state.job.jobId, page);
    const marker = await pageMarker(page, this.config.pageTimeoutMs, signal);
    if (marker === 'signed_out') throw SIGNED_OUT();
    return page;
  }

  async poll(state: InflightState, signal: AbortSignal): Promise<PollOutcome> {
    const conversationId = state.submission!.providerJobId;
    const page = await this.tabOf(state, signal);
    const reading = await readAnswer(page);
    const outcome = answerOutcome(reading);
    if (outcome.state === 'running') {
      if (this.config.push) this.watchAnswer(state, page, answerSignature(reading));
      return { state: 'running', ready: [], retryAfterMs: this.config.pollIntervalMs };
    }
    if (outcome.state === 'failed') {
      return { state: 'failed', ready: [], error: outcome.error, result: { conversation_id: conversationId } };
    }
    return {
      state: 'completed',
      progress: 100,
      expectedCount: 1,
      ready: [{ index: 0, url: outcome.videoSrc, kind: 'video' }],
      result: { conversation_id: conversationId },
    };
  }

  // ------------------------------------------------------------ push (the page's own updates)

  override watch(wake: (providerJobId?: string) => void): void {
    this.wake = wake;
  }

  override pushes(state: InflightState): boolean {
    return this.watching.has(state.job.jobId);
  }

  /**
   * Watches the job's tab until its answer changes from what the last poll read, then wakes the job: the page
   * updates itself as the video renders, so a change is seen at once instead of at the next poll. The poll then
   * decides (and watches again while the job still runs); polls go on as a backstop.
   */
  private watchAnswer(state: InflightState, page: Page, since: string): void {
    const jobId = state.job.jobId;
    if (this.watching.has(jobId)) return;
    const watch = new AbortController();
    this.watching.set(jobId, watch);
    const conversationId = state.submission!.providerJobId;
    answerChanged(page, since, watch.signal).then(
      () => {
        if (this.watching.get(jobId) === watch) this.watching.delete(jobId);
        this.wake?.(conversationId);
      },
      () => {
        // Aborted, or the tab went away: the next poll reopens the chat and watches again.
        if (this.watching.get(jobId) === watch) this.watching.delete(jobId);
      },
    );
  }

  // ------------------------------------------------------------ results

  /**
   * The page's download button, into a folder of the job's own (the original took "the newest file" of a shared
   * folder, bug #17); without a button, the video's source fetched inside the tab.
   */
  async download(state: InflightState, ref: ResultRef, signal: AbortSignal): Promise<DownloadedFile | null> {
    const page = await this.tabOf(state, signal);
    const viaButton = await this.downloadWithButton(page, state.job.jobId, signal);
    if (viaButton) return viaButton;
    const fetched = await fetchInTab(page, ref.url, this.config.maxVideoBytes);
    if ('tooLarge' in fetched) {
      throw new ProviderException('PROVIDER_ERROR', `The video is larger than ${this.config.maxVideoBytes} bytes`);
    }
    if (fetched.status === 404) return null;
    const contentType = fetched.type.split(';')[0].trim();
    if (fetched.status !== 200 || !contentType.startsWith('video/') || !fetched.base64) {
      throw new ProviderException('PROVIDER_ERROR', `The video download answered ${fetched.status} ${contentType}`);
    }
    return { bytes: Buffer.from(fetched.base64, 'base64'), contentType };
  }

  private async downloadWithButton(page: Page, jobId: string, signal: AbortSignal): Promise<DownloadedFile | null> {
    const dir = resolve(this.config.downloadDir, jobId.replace(/[^A-Za-z0-9_-]/g, '_'));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const cdp = await page.browser().target().createCDPSession();
    try {
      // Named by the download's guid: nothing the site suggests becomes a path.
      await cdp.send('Browser.setDownloadBehavior', {
        behavior: 'allowAndName',
        downloadPath: dir,
        eventsEnabled: true,
      });
      const finished = this.downloadFinished(
        cdp,
        AbortSignal.any([signal, AbortSignal.timeout(this.config.downloadTimeoutMs)]),
      );
      finished.catch(() => undefined);
      if (!(await clickDownload(page))) return null;
      const { guid, name } = await finished;
      const file = join(dir, guid);
      const size = (await stat(file)).size;
      if (size > this.config.maxVideoBytes) {
        throw new ProviderException('PROVIDER_ERROR', `The video is larger than ${this.config.maxVideoBytes} bytes`);
      }
      const bytes = await readFile(file);
      const contentType = /\.webm$/i.test(name) ? 'video/webm' : 'video/mp4';
      if (bytes.length === 0) throw new ProviderException('PROVIDER_ERROR', 'The downloaded video is empty');
      return { bytes, contentType };
    } finally {
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'default' }).catch(() => undefined);
      await cdp.detach().catch(() => undefined);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The next download of the browser to its end: completed (with its guid and suggested name), else an error. */
  private downloadFinished(cdp: CDPSession, signal: AbortSignal): Promise<{ guid: string; name: string }> {
    return new Promise((resolvePromise, reject) => {
      const names = new Map<string, string>();
      const cleanup = () => {
        cdp.off('Browser.downloadWillBegin', begin);
        cdp.off('Browser.downloadProgress', progress);
        signal.removeEventListener('abort', abort);
      };
      const begin = (event: { guid: string; suggestedFilename: string }) =>
        names.set(event.guid, event.suggestedFilename);
      const progress = (event: { guid: string; state: string; receivedBytes: number }) => {
        if (event.receivedBytes > this.config.maxVideoBytes) {
          void cdp.send('Browser.cancelDownload', { guid: event.guid }).catch(() => undefined);
          cleanup();
          reject(
            new ProviderException('PROVIDER_ERROR', `The video is larger than ${this.config.maxVideoBytes} bytes`),
          );
        } else if (event.state === 'completed') {
          cleanup();
          resolvePromise({ guid: event.guid, name: names.get(event.guid) ?? '' });
        } else if (event.state === 'canceled') {
          cleanup();
          reject(new ProviderException('PROVIDER_ERROR', 'The video download was canceled'));
        }
      };
      const abort = () => {
        cleanup();
        reject(new ProviderException('PROVIDER_TIMEOUT', 'The video download did not finish in time'));
      };
      if (signal.aborted) return abort();
      cdp.on('Browser.downloadWillBegin', begin);
      cdp.on('Browser.downloadProgress', progress);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  storageTarget(state: InflightState, ref: ResultRef, file: DownloadedFile): { bucket: string; path: string } {
    // The chat id names the object: a re-delivered download lands on the same path.
    const id = state.submission!.providerJobId.replace(/[^A-Za-z0-9_-]/g, '') || `${ref.index}`;
    const folder = state.job.ideaId ?? state.job.jobId;
    return { bucket: this.config.bucket, path: `${folder}/veo_${id}.${VIDEO_EXTENSIONS[file.contentType] ?? 'mp4'}` };
  }

  override async release(jobId: string): Promise<void> {
    this.watching.get(jobId)?.abort();
    this.watching.delete(jobId);
    const page = this.tabs.get(jobId);
    this.tabs.delete(jobId);
    if (page) await this.browser.closeTab(page);
  }

  /** Page-side waits that ran out say so only in their message; a tab or browser that went away is a provider error. */
  override classifyError(error: unknown): ProviderException {
    if (error instanceof Error && !(error instanceof ProviderException) && /timed? ?out/i.test(error.message)) {
      return new ProviderException('PROVIDER_TIMEOUT', error.message);
    }
    return super.classifyError(error);
  }
}
