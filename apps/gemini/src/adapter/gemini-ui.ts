import type { Page } from 'puppeteer-core';
import { GEMINI_UI, type GeminiUi } from './gemini-selectors.js';

/**
 * Driving the Gemini page (PROVIDERS.md §1.5) with the selectors of gemini-selectors.ts. Every wait is bounded by a
 * timeout and the caller's signal and polls at an interval (background tabs get no animation frames). The in-page
 * functions are self-contained: the selectors go in as an argument.
 */

export type PageMarker = 'ready' | 'signed_out';

/** The last answer as the tab shows it. */
export interface AnswerReading {
  /** An answer turn exists. */
  found: boolean;
  videoSrc: string | null;
  downloadButton: boolean;
  generating: boolean;
  /** The answer's action row shows: the page considers it finished. */
  done: boolean;
  text: string;
  /** Toasts and alerts outside the answer. */
  alerts: string[];
  conversationId: string | null;
}

const POLL = 100;

/** Waits for the composer of a signed-in page, or the sign-in link of a signed-out one. */
export async function pageMarker(page: Page, timeoutMs: number, signal?: AbortSignal): Promise<PageMarker | null> {
  const handle = await page
    .waitForFunction(
      (ui: GeminiUi) => {
        const any = (list: readonly string[]) => list.some((s) => document.querySelector(s));
        const signedIn = any(ui.signedIn);
        if (!signedIn && any(ui.signedOut)) return 'signed_out';
        return signedIn && any(ui.promptBox) ? 'ready' : false;
      },
      { timeout: timeoutMs, polling: POLL, signal },
      GEMINI_UI,
    )
    .catch(() => null);
  return ((await handle?.jsonValue()) as PageMarker | undefined) ?? null;
}

/**
 * Chooses the video tool: Tools → the Veo item, then waits for its chip in the composer. 'missing' when the drawer
 * opened without a video item (Gemini hides the tool from accounts that may not use it).
 */
export async function chooseVideoTool(page: Page, timeoutMs: number, signal?: AbortSignal): Promise<'ok' | 'missing'> {
  const chosen = () =>
    page.evaluate((ui: GeminiUi) => {
      const re = new RegExp(ui.videoToolText, 'i');
      return ui.chosenTool.some((s) =>
        [...document.querySelectorAll<HTMLElement>(s)].some((e) => re.test(e.innerText)),
      );
    }, GEMINI_UI);
  if (await chosen()) return 'ok';
  const opened = await page.evaluate((ui: GeminiUi) => {
    const re = new RegExp(ui.toolsText, 'i');
    const button =
      ui.toolsButton.map((s) => document.querySelector<HTMLElement>(s)).find(Boolean) ??
      [...document.querySelectorAll<HTMLElement>('button')].find((b) => re.test(b.innerText));
    if (!button) return false;
    button.setAttribute('data-gw-tools', '1');
    return true;
  }, GEMINI_UI);
  if (!opened) throw new Error('no Tools button in the composer');
  // Menus of the site react to real pointer events only.
  await page.click('[data-gw-tools="1"]');
  const item = await page
    .waitForFunction(
      (ui: GeminiUi) => {
        const items = ui.toolItems.flatMap((s) => [...document.querySelectorAll<HTMLElement>(s)]);
        if (items.length === 0) return false;
        const re = new RegExp(ui.videoToolText, 'i');
        const video = items.find((e) => re.test(e.innerText));
        if (!video) return 'missing';
        video.setAttribute('data-gw-video', '1');
        return 'found';
      },
      { timeout: timeoutMs, polling: POLL, signal },
      GEMINI_UI,
    )
    .then((h) => h.jsonValue() as Promise<string>);
  if (item === 'missing') return 'missing';
  await page.click('[data-gw-video="1"]');
  await page.waitForFunction(
    (ui: GeminiUi) => {
      const re = new RegExp(ui.videoToolText, 'i');
      return ui.chosenTool.some((s) =>
        [...document.querySelectorAll<HTMLElement>(s)].some((e) => re.test(e.innerText)),
      );
    },
    { timeout: timeoutMs, polling: POLL, signal },
    GEMINI_UI,
  );
  return 'ok';
}

/**
 * Attaches the start image through the composer's file input (a DataTransfer: works on a remote browser too), then
 * waits for its preview and no upload progress left (no fixed sleep).
 */
export async function attachImage(
  page: Page,
  file: { name: string; type: string; base64: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const attached = await page.evaluate(
    (ui: GeminiUi, f: { name: string; type: string; base64: string }) => {
      const input = ui.fileInput.map((s) => document.querySelector<HTMLInputElement>(s)).find(Boolean);
      if (!input) return false;
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      input.files = transfer.files;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    },
    GEMINI_UI,
    file,
  );
  if (!attached) throw new Error('no file input in the composer');
  const handle = await page.waitForFunction(
    (ui: GeminiUi) => {
      const failed = ui.uploadError.map((s) => document.querySelector<HTMLElement>(s)).find(Boolean);
      if (failed) return `error:${failed.innerText}`;
      const preview = ui.attachmentPreview.some((s) => document.querySelector(s));
      const busy = ui.uploading.some((s) => document.querySelector(s));
      return preview && !busy ? 'ok' : false;
    },
    { timeout: timeoutMs, polling: POLL, signal },
    GEMINI_UI,
  );
  const result = (await handle.jsonValue()) as string;
  if (result.startsWith('error:')) throw new Error(result.slice(6));
}

/** Types into the Quill prompt box (insertText: the editor sees real input events) and reads it back. */
export function typePrompt(page: Page, text: string): Promise<string> {
  return page.evaluate(
    (ui: GeminiUi, value: string) => {
      const box = ui.promptBox.map((s) => document.querySelector<HTMLElement>(s)).find(Boolean);
      if (!box) return '';
      box.focus();
      document.execCommand('selectAll', false);
      document.execCommand('delete', false);
      document.execCommand('insertText', false, value);
      return box.innerText;
    },
    GEMINI_UI,
    text,
  );
}

/** Waits for the send button to be enabled, then clicks it with a real mouse event. */
export async function clickSend(page: Page, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const selector = GEMINI_UI.sendButton.join(', ');
  await page.waitForSelector(selector, { timeout: timeoutMs, signal });
  await page.click(selector);
}

/** The chat id from the address (`/app/<id>`), which a new chat gets once the prompt is sent. */
export async function waitForConversation(
  page: Page,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ id: string } | { alert: string } | null> {
  const handle = await page
    .waitForFunction(
      (ui: GeminiUi) => {
        const id = new RegExp(ui.conversationPath).exec(location.pathname)?.[1];
        if (id) return { id };
        const alerts = ui.errorToast
          .flatMap((s) => [...document.querySelectorAll<HTMLElement>(s)])
          .map((e) => e.innerText.trim())
          .filter(Boolean);
        return alerts.length ? { alert: alerts.join('\n') } : false;
      },
      { timeout: timeoutMs, polling: POLL, signal },
      GEMINI_UI,
    )
    .catch(() => null);
  return ((await handle?.jsonValue()) as { id: string } | { alert: string } | undefined) ?? null;
}

/** The last answer as the page shows it: self-contained, it runs inside the page (evaluated, or as text). */
function answerInPage(ui: GeminiUi): AnswerReading {
  const all = (list: readonly string[], root: ParentNode = document) =>
    list.flatMap((s) => [...root.querySelectorAll<HTMLElement>(s)]);
  const responses = all(ui.response);
  const last = responses[responses.length - 1];
  const text = last
    ? all(ui.responseText, last)
        .map((e) => e.innerText.trim())
        .filter(Boolean)
        .join('\n')
    : '';
  const video = last ? all(ui.video, last)[0] : undefined;
  const src = video ? (video.getAttribute('src') ?? '') : '';
  return {
    found: !!last,
    videoSrc: src ? new URL(src, location.href).href : null,
    downloadButton: !!last && all(ui.downloadButton, last).length > 0,
    generating:
      !!last && (new RegExp(ui.generatingText, 'i').test(last.innerText) || all(ui.generating).length > 0) && !src,
    done: !!last && all(ui.responseDone, last).length > 0,
    text,
    alerts: all(ui.errorToast)
      .filter((e) => !last?.contains(e))
      .map((e) => e.innerText.trim())
      .filter(Boolean),
    conversationId: new RegExp(ui.conversationPath).exec(location.pathname)?.[1] ?? null,
  };
}

/** Reads the last answer: its video, progress, text, and any alert the page shows. */
export function readAnswer(page: Page): Promise<AnswerReading> {
  return page.evaluate(answerInPage, GEMINI_UI);
}

/** What about an answer can end its job: a change of it is news (text length stands in for the text). */
export function answerSignature(reading: AnswerReading): string {
  return JSON.stringify([
    reading.found,
    reading.videoSrc,
    reading.generating,
    reading.done,
    reading.downloadButton,
    reading.alerts.length,
    reading.text.length,
  ]);
}

/**
 * Resolves when the last answer differs from the reading whose signature is `since`: a MutationObserver in the tab
 * (it works in background tabs, unlike animation frames), so the page's own updates are pushed to us at once and
 * cost the site no request. Rejects when `signal` aborts or the tab closes.
 */
export async function answerChanged(page: Page, since: string, signal: AbortSignal): Promise<void> {
  const expression =
    `(${answerSignature.toString()})((${answerInPage.toString()})(${JSON.stringify(GEMINI_UI)}))` +
    ` !== ${JSON.stringify(since)}`;
  await page.waitForFunction(expression, { polling: 'mutation', timeout: 0, signal });
}

/** Marks the last answer's download button and clicks it with a real mouse event; false when there is none. */
export async function clickDownload(page: Page): Promise<boolean> {
  const marked = await page.evaluate((ui: GeminiUi) => {
    const responses = ui.response.flatMap((s) => [...document.querySelectorAll<HTMLElement>(s)]);
    const last = responses[responses.length - 1];
    const button = last && ui.downloadButton.map((s) => last.querySelector<HTMLElement>(s)).find(Boolean);
    if (!button) return false;
    button.setAttribute('data-gw-download', '1');
    return true;
  }, GEMINI_UI);
  if (!marked) return false;
  await page.click('[data-gw-download="1"]');
  return true;
}

/** The video's bytes fetched from inside the tab (a blob: or same-origin source), base64, size-limited. */
export function fetchInTab(
  page: Page,
  src: string,
  maxBytes: number,
): Promise<{ status: number; type: string; base64: string } | { tooLarge: number }> {
  return page.evaluate(
    async (url: string, max: number) => {
      const res = await fetch(url, { credentials: 'include' });
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > max) return { tooLarge: bytes.length };
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { status: res.status, type: res.headers.get('content-type') ?? '', base64: btoa(binary) };
    },
    src,
    maxBytes,
  );
}
