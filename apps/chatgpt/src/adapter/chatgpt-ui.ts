import type { Page } from 'puppeteer-core';

/**
 * Driving chatgpt.com's page (PROVIDERS.md §4.3–4.5): every wait here is bounded by a timeout and the caller's
 * signal, and polls at an interval (background tabs get no animation frames, so `raf` polling would stall).
 */

export type PageMarker = 'ready' | 'signed_out' | 'challenge' | 'gpt_not_found' | 'conversation_not_found';

/** What the hook saw of one conversation request of the page (`POST /backend-api/(f/)conversation`). */
export interface SendRecord {
  at: number;
  action: string | null;
  status: number;
  conversationId: string | null;
  userMessageId: string | null;
  parentMessageId: string | null;
  done: boolean;
  error: string | null;
  detail: string | null;
}

export interface SendOutcome {
  kind: 'ok' | 'http' | 'network' | 'alert';
  conversationId?: string | null;
  userMessageId?: string | null;
  status?: number;
  detail?: string | null;
  text?: string;
}

/** The run as the tab shows it: the turns after our user message. */
export interface DomRun {
  found: boolean;
  streaming: boolean;
  /** The last answer turn has its action buttons (copy, thumbs): the page considers it finished. */
  finished: boolean;
  creatingImage: boolean;
  text: string;
  errors: string[];
  generatedImages: number;
  retryButton: boolean;
  conversationId: string | null;
}

const POLL = 100;

/**
 * Installed before the page's scripts run (as the original did): wraps `window.fetch` and records each
 * conversation request with its status, the client's user message id from the body, and the conversation id found
 * in the stream, whatever its format (gen 1 or gen 2 deltas). Self-contained: it runs in the page.
 */
export function conversationHook(): void {
  const w = window as unknown as { __gw?: { requests: SendRecord[] }; fetch: typeof fetch };
  if (w.__gw) return;
  const gw = { requests: [] as SendRecord[] };
  Object.defineProperty(window, '__gw', { value: gw, enumerable: false });
  const original = w.fetch.bind(window);
  w.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    let url = '';
    let method = 'GET';
    try {
      url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    } catch {
      return original(input, init);
    }
    let path = '';
    try {
      path = new URL(url, location.href).pathname;
    } catch {
      return original(input, init);
    }
    if (method !== 'POST' || !/^\/backend-(?:api|anon)\/(?:f\/)?conversation\/?$/.test(path)) {
      return original(input, init);
    }
    const record: SendRecord = {
      at: Date.now(),
      action: null,
      status: 0,
      conversationId: null,
      userMessageId: null,
      parentMessageId: null,
      done: false,
      error: null,
      detail: null,
    };
    try {
      const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
        action?: string;
        conversation_id?: string;
        parent_message_id?: string;
        messages?: Array<{ id?: string }>;
      };
      record.action = body.action ?? null;
      record.conversationId = body.conversation_id ?? null;
      record.parentMessageId = body.parent_message_id ?? null;
      record.userMessageId = body.messages?.[0]?.id ?? null;
    } catch {
      // A body the hook cannot read: the stream still tells the conversation id.
    }
    gw.requests.push(record);
    let res: Response;
    try {
      res = await original(input, init);
    } catch (error) {
      record.error = `network: ${String(error)}`;
      record.done = true;
      throw error;
    }
    record.status = res.status;
    try {
      const reader = res.clone().body!.getReader();
      const decoder = new TextDecoder();
      void (async () => {
        let head = '';
        try {
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) break;
            if (record.conversationId && res.ok) continue; // nothing more to learn; keep draining the copy
            head += decoder.decode(chunk.value, { stream: true });
            const id = /"conversation_id"\s*:\s*"([0-9a-f-]{36})"/i.exec(head);
            if (id) record.conversationId = id[1];
            if (head.length > 65_536) head = head.slice(-1024);
          }
          if (!res.ok) record.detail = head.slice(0, 1000);
        } catch (error) {
          record.error = `stream: ${String(error)}`;
        }
        record.done = true;
      })();
    } catch (error) {
      record.error = `clone: ${String(error)}`;
      record.done = true;
    }
    return res;
  };
}

/** Waits for the composer or a reason there is none: signed out, challenge, GPT or conversation not found. */
export async function pageMarker(page: Page, timeoutMs: number, signal?: AbortSignal): Promise<PageMarker | null> {
  const handle = await page
    .waitForFunction(
      () => {
        const text = (selector: string) =>
          [...document.querySelectorAll(selector)].map((e) => (e as HTMLElement).innerText ?? '').join('\n');
        if (
          /just a moment/i.test(document.title) ||
          document.querySelector('#challenge-platform, [id^="cf-chl"], form[action*="/cdn-cgi/challenge"]')
        ) {
          return 'challenge';
        }
        if (
          document.querySelector('[data-testid="gizmo-not-found"]') ||
          /inaccessible or not found|GPT not found/i.test(text('[role="dialog"], [role="alert"]'))
        ) {
          return 'gpt_not_found';
        }
        if (
          document.querySelector('[data-testid="conversation-not-found"]') ||
          /unable to load conversation/i.test(text('[role="alert"], [role="dialog"]'))
        ) {
          return 'conversation_not_found';
        }
        const signedIn = document.querySelector(
          '[data-testid="accounts-profile-button"], button[aria-label*="open profile menu" i]',
        );
        const signedOut = document.querySelector('button[data-testid="login-button"], a[href*="/auth/login"]');
        // Logged-out visitors get a composer too (anonymous chat): the markers decide, never the prompt box.
        if (signedOut && !signedIn) return 'signed_out';
        if (
          signedIn &&
          document.querySelector(
            '#prompt-textarea[contenteditable="true"], [contenteditable="true"].ProseMirror, div[contenteditable="true"]',
          )
        ) {
          return 'ready';
        }
        return false;
      },
      { timeout: timeoutMs, polling: POLL, signal },
    )
    .catch(() => null);
  return ((await handle?.jsonValue()) as PageMarker | undefined) ?? null;
}

/** A continued conversation: waits until its thread has rendered (or the page says it does not exist). */
export async function waitForThread(page: Page, timeoutMs: number, signal?: AbortSignal): Promise<boolean | 'missing'> {
  const handle = await page
    .waitForFunction(
      () => {
        if (
          document.querySelector('[data-testid="conversation-not-found"]') ||
          /unable to load conversation/i.test(
            [...document.querySelectorAll('[role="alert"]')].map((e) => (e as HTMLElement).innerText).join('\n'),
          )
        ) {
          return 'missing';
        }
        return document.querySelectorAll('article[data-testid^="conversation-turn"]').length > 0 ? 'ready' : false;
      },
      { timeout: timeoutMs, polling: POLL, signal },
    )
    .catch(() => null);
  const value = (await handle?.jsonValue()) as string | undefined;
  return value === 'missing' ? 'missing' : value === 'ready';
}

/** An answer is still streaming in this tab (the stop button shows). */
export function streaming(page: Page): Promise<boolean> {
  return page.evaluate(
    () =>
      !!document.querySelector(
        '[data-testid="stop-button"], button[aria-label="Stop generating"], button[aria-label="Stop streaming"]',
      ),
  );
}

/**
 * Attaches images the way a person does, through the composer's file input (a DataTransfer, so it also works on a
 * remote browser), then waits for one blob chip per image and no upload spinner (no fixed sleep, §1.7 #16).
 */
export async function attachImages(
  page: Page,
  files: Array<{ name: string; type: string; base64: string }>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const attached = await page.evaluate((list: Array<{ name: string; type: string; base64: string }>) => {
    const input = document.querySelector<HTMLInputElement>(
      'input#upload-photos[type=file], input#upload-files[type=file], input[type=file][accept*="image"]',
    );
    if (!input) return false;
    const transfer = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], f.name, { type: f.type }));
    }
    input.files = transfer.files;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return true;
  }, files);
  if (!attached) throw new Error('no file input in the composer');
  const handle = await page.waitForFunction(
    (count: number) => {
      const form = document.querySelector('form') ?? document;
      const failed = form.querySelector('[data-testid="upload-error"], [data-testid*="upload"][role="alert"]');
      if (failed) return `error:${(failed as HTMLElement).innerText}`;
      const chips = form.querySelectorAll('img[src^="blob:"]').length;
      const spinning = form.querySelector('.animate-spin, [data-testid*="upload-progress"]');
      return chips >= count && !spinning ? 'ok' : false;
    },
    { timeout: timeoutMs, polling: POLL, signal },
    files.length,
  );
  const result = (await handle.jsonValue()) as string;
  if (result.startsWith('error:')) throw new Error(result.slice(6));
}

/** Types into the ProseMirror prompt box (insertText: the editor sees real input events) and checks the result. */
export async function typePrompt(page: Page, text: string): Promise<string> {
  return page.evaluate((value: string) => {
    const box = document.querySelector<HTMLElement>(
      '#prompt-textarea[contenteditable="true"], [contenteditable="true"].ProseMirror, div[contenteditable="true"]',
    );
    if (!box) return '';
    box.focus();
    document.execCommand('selectAll', false);
    document.execCommand('delete', false);
    document.execCommand('insertText', false, value);
    if (box.innerText.replace(/\s+/g, ' ').trim() !== value.replace(/\s+/g, ' ').trim()) {
      // Fallback: one paragraph per line and an input event, as ProseMirror reads its DOM back.
      box.replaceChildren(
        ...value.split('\n').map((line) => {
          const p = document.createElement('p');
          p.textContent = line;
          return p;
        }),
      );
      box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: value }));
    }
    return box.innerText;
  }, text);
}

/** Conversation requests the hook has seen in this tab so far. */
export function sendCount(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __gw?: { requests: unknown[] } }).__gw?.requests.length ?? 0);
}

/** Waits for the send button to be enabled, then clicks it with a real mouse event. */
export async function clickSend(page: Page, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const selector = 'button[data-testid="send-button"]:not([disabled]), #composer-submit-button:not([disabled])';
  await page.waitForSelector(selector, { timeout: timeoutMs, signal });
  await page.click(selector);
}

/**
 * After the send click: the conversation request's answer (a conversation id, or an HTTP error with its detail),
 * or an error shown by the page. New conversations also show `/c/<id>` in the address (a fallback if the site
 * changes how it calls its backend). Null when nothing happened in time: the outcome is unknown.
 */
export async function waitForSendOutcome(
  page: Page,
  base: number,
  fresh: boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SendOutcome | null> {
  const handle = await page
    .waitForFunction(
      (from: number, isNew: boolean) => {
        const requests = (window as unknown as { __gw?: { requests: SendRecord[] } }).__gw?.requests ?? [];
        const record = requests[from];
        const inPath = /\/c\/([0-9a-f-]{36})/i.exec(location.pathname)?.[1] ?? null;
        if (record) {
          if (record.status >= 400) {
            return record.done
              ? { kind: 'http', status: record.status, detail: record.detail, userMessageId: record.userMessageId }
              : false;
          }
          if (record.status === 0 && record.error) return { kind: 'network', detail: record.error };
          if (record.status >= 200 && record.conversationId) {
            return { kind: 'ok', conversationId: record.conversationId, userMessageId: record.userMessageId };
          }
          if (record.status >= 200 && isNew && inPath) {
            return { kind: 'ok', conversationId: inPath, userMessageId: record.userMessageId };
          }
        } else if (isNew && inPath) {
          return { kind: 'ok', conversationId: inPath, userMessageId: null };
        }
        const alerts = [...document.querySelectorAll('[role="alert"], .text-token-text-error')]
          .map((e) => (e as HTMLElement).innerText.trim())
          .filter(Boolean);
        if (alerts.length) return { kind: 'alert', text: alerts.join('\n') };
        return false;
      },
      { timeout: timeoutMs, polling: POLL, signal },
      base,
      fresh,
    )
    .catch(() => null);
  return ((await handle?.jsonValue()) as SendOutcome | undefined) ?? null;
}

/** Reads the turns after our user message (found by its id, else the last user turn). */
export function readRun(page: Page, userMessageId: string | null): Promise<DomRun> {
  return page.evaluate((id: string | null) => {
    const articles = [...document.querySelectorAll('article[data-testid^="conversation-turn"]')];
    const isUser = (a: Element) => !!a.querySelector('[data-message-author-role="user"]');
    let index = id ? articles.findIndex((a) => a.querySelector(`[data-message-id="${CSS.escape(id)}"]`)) : -1;
    if (index < 0) {
      for (let i = articles.length - 1; i >= 0; i--) {
        if (isUser(articles[i])) {
          index = i;
          break;
        }
      }
    }
    const turns: Element[] = [];
    for (const article of index >= 0 ? articles.slice(index + 1) : []) {
      if (isUser(article)) break;
      turns.push(article);
    }
    const answers = turns.filter((a) => a.querySelector('[data-message-author-role="assistant"]'));
    const last = answers[answers.length - 1];
    const errors = [
      ...turns.flatMap((a) => [...a.querySelectorAll('[role="alert"], .text-token-text-error')]),
      ...document.querySelectorAll('#toasts [role="alert"], [data-testid*="toast"] [role="alert"], .toast-root'),
    ]
      .map((e) => (e as HTMLElement).innerText.trim())
      .filter(Boolean);
    const generated = answers
      .flatMap((a) => [...a.querySelectorAll('img')])
      .filter((img) => /generated image/i.test(img.alt));
    return {
      found: index >= 0,
      streaming: !!document.querySelector(
        '[data-testid="stop-button"], button[aria-label="Stop generating"], button[aria-label="Stop streaming"]',
      ),
      finished: !!last?.querySelector(
        '[data-testid="copy-turn-action-button"], [data-testid="good-response-turn-action-button"], [data-testid="bad-response-turn-action-button"]',
      ),
      creatingImage: answers.some((a) => /creating image/i.test((a as HTMLElement).innerText)),
      text: answers
        .map((a) => a.querySelector<HTMLElement>('.markdown')?.innerText.trim() ?? '')
        .filter(Boolean)
        .join('\n\n'),
      errors,
      generatedImages: generated.length,
      retryButton: turns.some((a) =>
        [...a.querySelectorAll('button')].some(
          (b) =>
            /regenerate|retry/i.test(b.getAttribute('data-testid') ?? '') ||
            /^(retry|regenerate)$/i.test(b.innerText.trim()),
        ),
      ),
      conversationId: /\/c\/([0-9a-f-]{36})/i.exec(location.pathname)?.[1] ?? null,
    };
  }, userMessageId);
}

/** Clicks the failed answer's Retry (regenerate) button; true when the page sent a new conversation request. */
export async function clickRetry(
  page: Page,
  userMessageId: string | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const before = await sendCount(page);
  // The reloaded thread renders in steps: wait until the failed answer shows its button, or the run turns out done.
  await page
    .waitForFunction(
      (id: string | null) => {
        const articles = [...document.querySelectorAll('article[data-testid^="conversation-turn"]')];
        const index = id ? articles.findIndex((a) => a.querySelector(`[data-message-id="${CSS.escape(id)}"]`)) : -1;
        const after = articles.slice(index >= 0 ? index + 1 : Math.max(0, articles.length - 1));
        const retry = after.some((a) =>
          [...a.querySelectorAll('button')].some(
            (b) =>
              /regenerate|retry/i.test(b.getAttribute('data-testid') ?? '') ||
              /^(retry|regenerate)$/i.test(b.innerText.trim()),
          ),
        );
        const done = after.some((a) => a.querySelector('[data-testid="copy-turn-action-button"]'));
        return retry || done || !!document.querySelector('[data-testid="stop-button"]');
      },
      { timeout: timeoutMs, polling: POLL, signal },
      userMessageId,
    )
    .catch(() => null);
  const clicked = await page.evaluate((id: string | null) => {
    const articles = [...document.querySelectorAll('article[data-testid^="conversation-turn"]')];
    let index = id ? articles.findIndex((a) => a.querySelector(`[data-message-id="${CSS.escape(id)}"]`)) : -1;
    if (index < 0) index = articles.length - 2;
    for (const article of articles.slice(Math.max(0, index + 1))) {
      const button = [...article.querySelectorAll('button')].find(
        (b) =>
          /regenerate|retry/i.test(b.getAttribute('data-testid') ?? '') ||
          /^(retry|regenerate)$/i.test(b.innerText.trim()),
      );
      if (button) {
        button.setAttribute('data-gw-retry', '1');
        return true;
      }
    }
    return false;
  }, userMessageId);
  if (!clicked) return false;
  await page.click('[data-gw-retry="1"]');
  const sent = await page
    .waitForFunction(
      (count: number) => ((window as unknown as { __gw?: { requests: unknown[] } }).__gw?.requests.length ?? 0) > count,
      { timeout: timeoutMs, polling: POLL, signal },
      before,
    )
    .then(
      () => true,
      () => false,
    );
  return sent;
}
