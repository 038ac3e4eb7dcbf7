import { NETWORK_ERROR_TEXT, RATE_LIMIT_DETAIL, SOMETHING_WRONG_TEXT, type Gizmo } from './chatgpt-state.js';
import { applyDeltaEvent, newDeltaDecoder, splitSse } from './chatgpt-stream.js';

export interface PageConfig {
  signedIn: boolean;
  gizmo: Pick<Gizmo, 'id' | 'slug' | 'name'> | null;
  /** The URL named a GPT that does not exist (or is not shared with the account). */
  gizmoMissing: boolean;
  conversationId: string | null;
  /** `/g/g-<id>-<slug>` inside a GPT, '' otherwise; `/c/<id>` is pushed after it. */
  basePath: string;
  /** How often the page polls async work (image turns, answers resumed after a reload). */
  pollMs: number;
}

const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The chatgpt.com page: real HTML and a script that drives the backend with `window.fetch` as the web app does
 * (session token, SSE conversation endpoint in gen-2 delta encoding, file upload trio, async-status for image turns),
 * with the DOM adapters rely on (PROVIDERS.md §4.3, §5.3).
 */
export function chatgptPage(config: PageConfig): string {
  const header = config.signedIn
    ? '<button data-testid="accounts-profile-button" aria-label="Open profile menu" type="button">SIM</button>'
    : '<button data-testid="login-button" type="button">Log in</button> <a href="/auth/login">Sign up for free</a>';
  const gate = config.signedIn
    ? ''
    : '<div role="dialog" data-testid="login-gate" class="modal"><p>Log in or sign up to get smarter responses.</p>' +
      '<button type="button" class="btn btn-primary btn-giant">Log in</button>' +
      '<button type="button" class="btn btn-secondary">Stay logged out</button></div>';
  const main = config.gizmoMissing
    ? '<div role="dialog" data-testid="gizmo-not-found" class="modal"><h2>GPT inaccessible or not found</h2>' +
      '<p>This GPT is inaccessible or not found. Ensure you are logged in, verify you are in the correct ' +
      'workspace, or request access if you believe you should have it.</p></div>'
    : `<div id="thread" role="presentation"></div>
<form id="composer" class="composer" onsubmit="return false">
  <div id="attachments"></div>
  <div id="prompt-textarea" contenteditable="true" class="ProseMirror" translate="no" role="textbox" aria-label="Message ChatGPT"></div>
  <button type="button" data-testid="composer-plus-btn" aria-label="Add files and more">+</button>
  <div role="menu" id="composer-menu" hidden>
    <div role="menuitemradio" aria-checked="false" data-hint="picture_v2">Create image</div>
    <div role="menuitemradio" aria-checked="false" data-hint="research">Deep research</div>
    <div role="menuitemradio" aria-checked="false" data-hint="search">Web search</div>
  </div>
  <input type="file" id="upload-files" multiple hidden>
  <input type="file" id="upload-photos" accept="image/*" multiple hidden>
  <span id="submit-slot"></span>
</form>`;
  const title = config.gizmo ? `${config.gizmo.name} - ChatGPT` : 'ChatGPT';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font-family:sans-serif;margin:0}header{display:flex;gap:8px;padding:8px;border-bottom:1px solid #ddd}
#thread{padding:8px;min-height:200px}article{border-bottom:1px solid #eee;padding:6px}
#prompt-textarea{border:1px solid #999;min-height:40px;padding:6px}.attachment{display:inline-block;margin:4px}
.attachment img{width:48px;height:48px}.text-token-text-error{color:#b00}.modal{border:1px solid #999;padding:12px;margin:8px}
</style></head><body>
<header>${header}<span class="__composer-pill">${config.gizmo ? config.gizmo.name : 'ChatGPT'}</span></header>
<main>${main}<div id="toasts"></div></main>${gate}
<script>window.__SIM__ = ${json({
    ...config,
    texts: { network: NETWORK_ERROR_TEXT, wrong: SOMETHING_WRONG_TEXT, rate: RATE_LIMIT_DETAIL },
  })};</script>
<script>
${applyDeltaEvent.toString()}
${newDeltaDecoder.toString()}
${splitSse.toString()}
(${client.toString()})();
</script></body></html>`;
}

/**
 * The page's own script. Plain DOM code, inlined with `toString()`: keep it self-contained (no imports, no
 * module-level names but the three stream helpers above).
 */
function client(): void {
  const w = window as any;
  const C = w.__SIM__;
  // Inlined above the script as page globals (the same code the specs run).
  const decoder = {
    newDeltaDecoder: w.newDeltaDecoder as typeof newDeltaDecoder,
    applyDeltaEvent: w.applyDeltaEvent as typeof applyDeltaEvent,
    splitSse: w.splitSse as typeof splitSse,
  };
  const thread = document.getElementById('thread');
  const box = document.getElementById('prompt-textarea');
  const chips = document.getElementById('attachments');
  let token: string | null = null;
  let conversationId: string | null = C.conversationId;
  let currentNode: string | null = null;
  let turns = 0;
  let streaming = false;
  let uploading = 0;
  let attachments: any[] = [];
  let hints: string[] = [];
  let controller: AbortController | null = null;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  function el(tag: string, attrs: Record<string, string>, text?: string): HTMLElement {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function session(): Promise<void> {
    const res = await fetch('/api/auth/session', { credentials: 'include' });
    const body = res.ok ? await res.json().catch(() => ({})) : {};
    token = body.accessToken ?? null;
  }

  // The web app has its access token before any backend call: a send clicked while the session call is still out
  // waits for it (without the wait the request went out without a token and came back 401, as if signed out).
  let sessionReady: Promise<void> = Promise.resolve();

  async function api(path: string, init: RequestInit = {}): Promise<Response> {
    await sessionReady;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers as any) };
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(path, { ...init, headers, credentials: 'include' });
  }

  function toast(text: string): void {
    document.getElementById('toasts')?.appendChild(el('div', { role: 'alert', class: 'toast' }, text));
  }

  function renderMarkdown(md: HTMLElement, text: string): void {
    md.replaceChildren();
    text.split('```').forEach((part, i) => {
      if (i % 2 === 1) {
        const nl = part.indexOf('\n');
        const lang = nl >= 0 ? part.slice(0, nl).trim() : '';
        const code = el(
          'code',
          lang ? { class: `language-${lang}` } : {},
          (nl >= 0 ? part.slice(nl + 1) : part).replace(/\n$/, ''),
        );
        const pre = el('pre', {});
        pre.appendChild(code);
        md.appendChild(pre);
      } else {
        for (const p of part.split(/\n\n+/)) if (p.trim()) md.appendChild(el('p', {}, p));
      }
    });
  }

  function addTurn(role: string, messageId?: string) {
    turns++;
    const art = el('article', { 'data-testid': `conversation-turn-${turns}`, class: `turn turn-${role}` });
    const msg = el('div', { 'data-message-author-role': role, ...(messageId ? { 'data-message-id': messageId } : {}) });
    const md = el('div', { class: 'markdown prose' });
    msg.appendChild(md);
    art.appendChild(msg);
    thread!.appendChild(art);
    return { art, msg, md };
  }

  function addActions(art: HTMLElement): void {
    const bar = el('div', { class: 'turn-actions' });
    bar.appendChild(
      el('button', { 'data-testid': 'copy-turn-action-button', 'aria-label': 'Copy', type: 'button' }, 'Copy'),
    );
    bar.appendChild(
      el('button', {
        'data-testid': 'good-response-turn-action-button',
        'aria-label': 'Good response',
        type: 'button',
      }),
    );
    bar.appendChild(
      el('button', { 'data-testid': 'bad-response-turn-action-button', 'aria-label': 'Bad response', type: 'button' }),
    );
    art.appendChild(bar);
  }

  function showError(art: HTMLElement, text: string, retryFor?: string): void {
    const box = el('div', { class: 'text-token-text-error', role: 'alert' }, text);
    if (retryFor) {
      const retry = el('button', { 'data-testid': 'regenerate-thread-error-button', type: 'button' }, 'Retry');
      retry.addEventListener('click', () => void regenerate(retryFor, art));
      box.appendChild(retry);
    }
    art.appendChild(box);
  }

  function updateSend(): void {
    const send = document.querySelector<HTMLButtonElement>('[data-testid="send-button"]');
    const text = (box?.innerText ?? '').trim();
    if (send) send.disabled = streaming || uploading > 0 || (!text && attachments.length === 0);
  }

  // The send button is replaced by the stop button while an answer streams (not hidden: adapters look for it).
  function setStreaming(on: boolean): void {
    streaming = on;
    const slot = document.getElementById('submit-slot');
    if (!slot) return;
    if (on) {
      const stop = el(
        'button',
        { 'data-testid': 'stop-button', 'aria-label': 'Stop streaming', type: 'button' },
        'Stop',
      );
      stop.addEventListener('click', () => controller?.abort());
      slot.replaceChildren(stop);
    } else {
      const send = el(
        'button',
        { id: 'composer-submit-button', 'data-testid': 'send-button', 'aria-label': 'Send prompt', type: 'button' },
        'Send',
      );
      send.addEventListener('click', () => void submit());
      slot.replaceChildren(send);
    }
    updateSend();
  }

  function mode(): Record<string, string> {
    return C.gizmo ? { kind: 'gizmo_interaction', gizmo_id: C.gizmo.id } : { kind: 'primary_assistant' };
  }

  async function downloadUrl(pointer: string): Promise<string | null> {
    const fileId = pointer.replace(/^(sediment|file-service):\/\//, '');
    const path = pointer.startsWith('sediment://')
      ? `/backend-api/conversation/${conversationId}/attachment/${fileId}/download`
      : `/backend-api/files/${fileId}/download`;
    const res = await api(path).catch(() => null);
    return res && res.ok ? ((await res.json()).download_url as string) : null;
  }

  async function imageTurn(toolId: string, existing?: ReturnType<typeof addTurn>): Promise<void> {
    const turn = existing ?? addTurn('assistant', toolId);
    const placeholder = el('div', { class: 'image-placeholder loading-shimmer' }, 'Creating image');
    turn.msg.appendChild(placeholder);
    for (;;) {
      await sleep(C.pollMs);
      const status = await api(`/backend-api/conversation/${conversationId}/async-status`, {
        method: 'POST',
        body: '{}',
      }).catch(() => null);
      if (!status || !status.ok || (await status.json()).status !== 'OK') continue;
      const res = await api(`/backend-api/conversation/${conversationId}`).catch(() => null);
      if (!res || !res.ok) continue;
      const node = (await res.json()).mapping[toolId];
      const all: any[] = node?.message?.content?.parts ?? [];
      const parts = all.filter((p: any) => p && p.content_type === 'image_asset_pointer');
      placeholder.remove();
      for (const part of parts) {
        const src = await downloadUrl(part.asset_pointer);
        if (src) {
          turn.msg.appendChild(
            el('img', { alt: 'Generated image', src, width: String(part.width), height: String(part.height) }),
          );
        }
      }
      turn.msg.appendChild(el('div', { class: 'image-status' }, 'Image created'));
      addActions(turn.art);
      return;
    }
  }

  async function stream(body: any, turn: ReturnType<typeof addTurn>): Promise<void> {
    const userId = body.action === 'variant' ? body.parent_message_id : body.messages[0].id;
    controller = new AbortController();
    setStreaming(true);
    let res: Response;
    try {
      res = await api('/backend-api/f/conversation', {
        method: 'POST',
        headers: { accept: 'text/event-stream' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch {
      showError(turn.art, C.texts.network, userId);
      setStreaming(false);
      return;
    }
    if (!res.ok) {
      const body: { detail?: string } = await res.json().catch(() => ({}));
      const detail = body.detail ?? '';
      if (res.status === 429) showError(turn.art, detail || C.texts.rate);
      else if (res.status === 401) showError(turn.art, 'Your session has expired. Please log in again.');
      else if (res.status === 404 && detail === 'Gizmo not found') {
        showError(turn.art, 'This GPT is inaccessible or not found.');
      } else if (res.status === 404) showError(turn.art, `Unable to load conversation ${conversationId ?? ''}`);
      else showError(turn.art, C.texts.wrong);
      setStreaming(false);
      return;
    }
    const st = decoder.newDeltaDecoder();
    const reader = res.body!.getReader();
    const text = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        const out = decoder.splitSse(buffer + text.decode(chunk.value, { stream: true }));
        buffer = out.rest;
        for (const e of out.events) decoder.applyDeltaEvent(st, e.event, e.data);
        if (st.conversationId && st.conversationId !== conversationId) {
          conversationId = st.conversationId;
          history.pushState({}, '', `${C.basePath}/c/${conversationId}`);
        }
        const answer = st.messages.filter((m: any) => m.author?.role === 'assistant').pop();
        if (answer) {
          turn.msg.setAttribute('data-message-id', answer.id);
          renderMarkdown(turn.md, answer.content?.parts?.[0] ?? '');
          currentNode = answer.id;
        }
        if (st.done) break;
      }
    } catch {
      // The connection died mid-answer (or the user stopped it).
    }
    if (!st.done) {
      if (!controller.signal.aborted) showError(turn.art, C.texts.network, userId);
      setStreaming(false);
      return;
    }
    setStreaming(false);
    addActions(turn.art);
    const tools = st.messages.filter((m: any) => m.author?.role === 'tool' && m.metadata?.image_gen_async);
    for (const tool of tools) {
      currentNode = tool.id;
      void imageTurn(tool.id);
    }
  }

  async function regenerate(userMessageId: string, art: HTMLElement): Promise<void> {
    art.remove();
    const turn = addTurn('assistant');
    await stream(
      {
        action: 'variant',
        conversation_id: conversationId,
        parent_message_id: userMessageId,
        messages: [],
        model: 'auto',
        conversation_mode: mode(),
        supports_buffering: true,
        supported_encodings: ['v1'],
        system_hints: [],
      },
      turn,
    );
  }

  async function submit(): Promise<void> {
    if (streaming || uploading > 0) return;
    const text = (box?.innerText ?? '').replace(/\u00a0/g, ' ').trim();
    if (!text && attachments.length === 0) return;
    if (!C.signedIn) {
      toast('Log in to continue');
      return;
    }
    const id = crypto.randomUUID();
    const userTurn = addTurn('user', id);
    renderMarkdown(userTurn.md, text);
    for (const a of attachments) userTurn.msg.appendChild(el('img', { alt: 'Uploaded image', src: a.blobUrl }));
    const pointers = attachments.map((a) => ({
      content_type: 'image_asset_pointer',
      asset_pointer: `file-service://${a.fileId}`,
      size_bytes: a.size,
      width: a.width,
      height: a.height,
    }));
    const body = {
      action: 'next',
      messages: [
        {
          id,
          author: { role: 'user' },
          create_time: Date.now() / 1000,
          content: pointers.length
            ? { content_type: 'multimodal_text', parts: [...pointers, text] }
            : { content_type: 'text', parts: [text] },
          metadata: {
            attachments: attachments.map((a) => ({
              id: a.fileId,
              name: a.name,
              size: a.size,
              mime_type: a.mime,
              width: a.width,
              height: a.height,
            })),
            system_hints: hints,
          },
        },
      ],
      parent_message_id: currentNode ?? 'client-created-root',
      ...(conversationId ? { conversation_id: conversationId } : {}),
      model: 'auto',
      timezone_offset_min: new Date().getTimezoneOffset(),
      conversation_mode: mode(),
      supports_buffering: true,
      supported_encodings: ['v1'],
      system_hints: hints,
    };
    box!.innerHTML = '';
    attachments = [];
    hints = [];
    chips!.replaceChildren();
    await stream(body, addTurn('assistant'));
  }

  async function upload(file: File): Promise<void> {
    uploading++;
    updateSend();
    const chip = el('div', { class: 'attachment' });
    const spin = el('div', { class: 'animate-spin', 'data-testid': 'upload-progress' });
    chip.appendChild(spin);
    chips!.appendChild(chip);
    try {
      const created = await api('/backend-api/files', {
        method: 'POST',
        body: JSON.stringify({ file_name: file.name, file_size: file.size, use_case: 'multimodal' }),
      });
      if (!created.ok) throw new Error(`files ${created.status}`);
      const info = await created.json();
      const put = await fetch(info.upload_url, {
        method: 'PUT',
        headers: {
          'x-ms-blob-type': 'BlockBlob',
          'x-ms-version': '2020-04-08',
          'content-type': file.type || 'application/octet-stream',
        },
        body: file,
      });
      if (!put.ok) throw new Error(`blob ${put.status}`);
      const done = await api(`/backend-api/files/${info.file_id}/uploaded`, { method: 'POST', body: '{}' });
      if (!done.ok) throw new Error(`uploaded ${done.status}`);
      const size = await createImageBitmap(file).then(
        (b) => ({ width: b.width, height: b.height }),
        () => ({ width: 0, height: 0 }),
      );
      const blobUrl = URL.createObjectURL(file);
      spin.remove();
      chip.appendChild(el('img', { src: blobUrl, alt: file.name }));
      const remove = el('button', { type: 'button', 'aria-label': `Remove file ${file.name}` }, 'x');
      chip.appendChild(remove);
      const entry = { fileId: info.file_id, name: file.name, size: file.size, mime: file.type, ...size, blobUrl };
      attachments.push(entry);
      remove.addEventListener('click', () => {
        attachments = attachments.filter((a) => a !== entry);
        chip.remove();
        updateSend();
      });
    } catch (error) {
      spin.remove();
      chip.appendChild(el('div', { role: 'alert', 'data-testid': 'upload-error' }, `Upload failed: ${String(error)}`));
    } finally {
      uploading--;
      updateSend();
    }
  }

  // After a reload: the thread from the backend; an answer still generating is followed until it ends.
  async function follow(turn: ReturnType<typeof addTurn>, messageId: string, userMessageId: string): Promise<void> {
    setStreaming(true);
    for (;;) {
      await sleep(C.pollMs);
      const res = await api(`/backend-api/conversation/${conversationId}`).catch(() => null);
      if (!res || !res.ok) continue;
      const c = await res.json();
      const message = c.mapping[messageId]?.message;
      if (!message) continue;
      renderMarkdown(turn.md, message.content?.parts?.[0] ?? '');
      if (message.status === 'in_progress') continue;
      setStreaming(false);
      if (message.status === 'finished_partial_completion') {
        showError(turn.art, C.texts.network, userMessageId);
        return;
      }
      addActions(turn.art);
      const tool = c.mapping[c.current_node];
      if (tool?.message?.author?.role === 'tool' && tool.parent === messageId) {
        currentNode = tool.id;
        if (tool.message.status !== 'finished_successfully') void imageTurn(tool.id);
      }
      return;
    }
  }

  async function loadConversation(): Promise<void> {
    const res = await api(`/backend-api/conversation/${conversationId}`);
    if (res.status === 404) {
      thread!.appendChild(
        el(
          'div',
          { role: 'alert', class: 'text-token-text-error', 'data-testid': 'conversation-not-found' },
          `Unable to load conversation ${conversationId}`,
        ),
      );
      document.getElementById('composer')?.remove();
      return;
    }
    if (!res.ok) {
      toast(C.texts.wrong);
      return;
    }
    const c = await res.json();
    currentNode = c.current_node;
    const branch: any[] = [];
    for (let id = c.current_node; id; id = c.mapping[id]?.parent) branch.unshift(c.mapping[id]);
    for (const node of branch) {
      const m = node.message;
      if (!m || m.author.role === 'system') continue;
      if (m.author.role === 'user') {
        const turn = addTurn('user', m.id);
        const parts: any[] = m.content.parts;
        renderMarkdown(turn.md, parts.filter((p) => typeof p === 'string').join('\n'));
        for (const p of parts.filter((p) => p && p.content_type === 'image_asset_pointer')) {
          const src = await downloadUrl(p.asset_pointer);
          if (src) turn.msg.appendChild(el('img', { alt: 'Uploaded image', src }));
        }
      } else if (m.author.role === 'assistant') {
        const turn = addTurn('assistant', m.id);
        renderMarkdown(turn.md, m.content.parts[0] ?? '');
        if (m.status === 'finished_successfully') addActions(turn.art);
        else if (m.status === 'finished_partial_completion') showError(turn.art, C.texts.network, node.parent);
        else void follow(turn, m.id, node.parent);
      } else if (m.author.role === 'tool' && m.metadata?.image_gen_async) {
        const turn = addTurn('assistant', m.id);
        if (m.status === 'finished_successfully') {
          for (const p of m.content.parts) {
            const src = await downloadUrl(p.asset_pointer);
            if (src) {
              turn.msg.appendChild(
                el('img', { alt: 'Generated image', src, width: String(p.width), height: String(p.height) }),
              );
            }
          }
          turn.msg.appendChild(el('div', { class: 'image-status' }, 'Image created'));
          addActions(turn.art);
        } else void imageTurn(m.id, turn);
      }
    }
  }

  async function start(): Promise<void> {
    if (!box) return;
    setStreaming(false);
    box.addEventListener('input', updateSend);
    box.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void submit();
      }
    });
    for (const id of ['upload-files', 'upload-photos']) {
      const input = document.getElementById(id) as HTMLInputElement;
      input.addEventListener('change', () => {
        const files = [...(input.files ?? [])];
        input.value = '';
        for (const file of files) void upload(file);
      });
    }
    // Radix menus ignore synthetic clicks: only pointer events open them and pick an item.
    const menu = document.getElementById('composer-menu')!;
    document.querySelector('[data-testid="composer-plus-btn"]')!.addEventListener('pointerdown', () => {
      menu.hidden = !menu.hidden;
    });
    for (const item of menu.querySelectorAll('[role="menuitemradio"]')) {
      item.addEventListener('pointerup', () => {
        hints = [(item as HTMLElement).dataset.hint ?? ''];
        item.setAttribute('aria-checked', 'true');
        menu.hidden = true;
      });
    }
    if (!C.signedIn) return;
    sessionReady = session().catch(() => undefined);
    await sessionReady;
    if (conversationId) await loadConversation();
  }

  void start();
}
