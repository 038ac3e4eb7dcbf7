import type { GeminiLanguage } from './gemini-state.js';

/** The page's words in the two languages the team's accounts use (the Vietnamese ones are the original's). */
export const GEMINI_TEXTS: Record<GeminiLanguage, Record<string, string>> = {
  en: {
    tools: 'Tools',
    videoTool: 'Create videos with Veo',
    imageTool: 'Create images',
    research: 'Deep Research',
    chip: 'Video',
    send: 'Send message',
    upload: 'Open upload file menu',
    placeholder: 'Ask Gemini',
    generating: 'Generating your video… This can take a few minutes.',
    done: 'Your video is ready!',
    download: 'Download video',
    refused: "Video generation isn't available for your account yet. Try again later.",
    rejected: "I can't create that video. Try a different prompt.",
    quota: "You've reached your daily limit for videos. Try again tomorrow.",
    text: 'Here is an idea for your video: ',
    error: 'Something went wrong.',
    account: 'Google Account: ',
    signIn: 'Sign in',
  },
  vi: {
    tools: 'Công cụ',
    videoTool: 'Tạo video bằng Veo',
    imageTool: 'Tạo hình ảnh',
    research: 'Deep Research',
    chip: 'Video',
    send: 'Gửi tin nhắn',
    upload: 'Mở trình đơn tải tệp lên',
    placeholder: 'Hỏi Gemini',
    generating: 'Đang tạo video… Quá trình này có thể mất vài phút.',
    done: 'Video của bạn đã sẵn sàng!',
    download: 'Tải video xuống',
    refused: 'Tính năng tạo video hiện không có sẵn cho tài khoản của bạn.',
    rejected: 'Tôi không thể tạo video này. Hãy thử một câu lệnh khác.',
    quota: 'Bạn đã đạt đến giới hạn tạo video hằng ngày.',
    text: 'Đây là ý tưởng cho video của bạn: ',
    error: 'Đã xảy ra lỗi.',
    account: 'Tài khoản Google: ',
    signIn: 'Đăng nhập',
  },
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The Gemini app page (PROVIDERS.md §1.5): the composer (a Quill-like box in `rich-textarea`), the Tools drawer with
 * the Veo item, a start-image uploader with preview and progress, the send button, and the answer: a placeholder
 * while the video renders, then a `<video>` with a download button. Menus react to trusted (real pointer) clicks
 * only. Signed out: the sign-in link and no composer.
 */
export function geminiPage(options: {
  signedIn: boolean;
  account: string;
  language: GeminiLanguage;
  videoTool: boolean;
  chatId: string | null;
  pollMs: number;
  uploadMs: number;
}): string {
  const t = GEMINI_TEXTS[options.language];
  if (!options.signedIn) {
    return `<!DOCTYPE html><html lang="${options.language}"><head><title>Gemini</title></head><body>
<header><a class="sign-in" href="https://accounts.google.com/ServiceLogin?continue=https://gemini.google.com/app">${t.signIn}</a></header>
<main><h1>Gemini</h1></main></body></html>`;
  }
  const config = JSON.stringify({
    texts: t,
    chatId: options.chatId,
    pollMs: options.pollMs,
    uploadMs: options.uploadMs,
  }).replace(/</g, '\\u003c');
  return `<!DOCTYPE html><html lang="${options.language}"><head><title>Gemini</title><style>
.toolbox-drawer-menu[hidden], .file-preview-container:empty { display: none }
model-response, user-query, message-content, message-actions, rich-textarea { display: block }
</style></head><body>
<header><a aria-label="${escapeHtml(t.account + options.account)}" href="https://accounts.google.com/SignOutOptions?hl=${options.language}">G</a></header>
<main><div id="chat"></div></main>
<div class="input-area">
  <div class="file-preview-container"></div>
  <rich-textarea><div class="ql-editor ql-blank" contenteditable="true" role="textbox" aria-label="${escapeHtml(t.placeholder)}"></div></rich-textarea>
  <button class="upload-card-button" aria-label="${escapeHtml(t.upload)}">+</button>
  <input type="file" accept="image/*" hidden>
  <toolbox-drawer>
    <button class="toolbox-drawer-button" aria-haspopup="menu">${t.tools}</button>
    <div class="toolbox-drawer-menu" role="menu" hidden>
      <button class="toolbox-drawer-item-button" role="menuitem">${t.research}</button>
      ${options.videoTool ? `<button class="toolbox-drawer-item-button" role="menuitem" data-tool="video">${t.videoTool}</button>` : ''}
      <button class="toolbox-drawer-item-button" role="menuitem">${t.imageTool}</button>
    </div>
  </toolbox-drawer>
  <span class="chosen-tool"></span>
  <button class="send-button" aria-label="${escapeHtml(t.send)}" disabled>&#10148;</button>
</div>
<div class="toasts"></div>
<script>
(() => {
  const cfg = ${config};
  const t = cfg.texts;
  const $ = (s) => document.querySelector(s);
  const box = $('.ql-editor');
  const send = $('.send-button');
  const menu = $('.toolbox-drawer-menu');
  const chosen = $('.chosen-tool');
  const input = $('input[type=file]');
  const previews = $('.file-preview-container');
  let tool = null;
  let image = null;
  let uploading = false;
  const refresh = () => {
    const empty = box.innerText.trim() === '';
    box.classList.toggle('ql-blank', empty);
    send.disabled = empty || uploading;
  };
  box.addEventListener('input', refresh);
  // Like the site's menus: synthetic el.click() does nothing, a real pointer does.
  $('.toolbox-drawer-button').addEventListener('click', (e) => { if (e.isTrusted) menu.hidden = !menu.hidden; });
  $('.upload-card-button').addEventListener('click', (e) => { if (e.isTrusted) input.click(); });
  menu.addEventListener('click', (e) => {
    const item = e.target.closest('[data-tool]');
    if (!e.isTrusted || !item) return;
    tool = item.dataset.tool;
    menu.hidden = true;
    chosen.innerHTML = '<button class="toolbox-drawer-item-deselect-button">' + t.chip + ' ✕</button>';
    chosen.firstChild.addEventListener('click', () => { tool = null; chosen.innerHTML = ''; });
  });
  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    if (!file) return;
    uploading = true;
    refresh();
    previews.innerHTML = '<div class="preview"><img src="' + URL.createObjectURL(file) + '" alt=""><div role="progressbar" class="uploading"></div></div>';
    const reader = new FileReader();
    reader.onload = () => {
      setTimeout(() => {
        image = { type: file.type, base64: String(reader.result).split(',')[1] || '' };
        uploading = false;
        const bar = previews.querySelector('.uploading');
        if (bar) bar.remove();
        refresh();
      }, cfg.uploadMs);
    };
    reader.readAsDataURL(file);
  });
  const toast = (text) => {
    const el = document.createElement('simple-snack-bar');
    el.setAttribute('role', 'alert');
    el.textContent = text;
    $('.toasts').appendChild(el);
  };
  const render = (view) => {
    const chat = $('#chat');
    chat.innerHTML = '';
    const q = document.createElement('user-query');
    q.textContent = view.prompt;
    chat.appendChild(q);
    const r = document.createElement('model-response');
    const content = document.createElement('message-content');
    const say = {
      generating: t.generating, video: t.done, refused: t.refused, rejected: t.rejected, quota: t.quota,
      text: t.text + view.prompt, stuck: t.generating,
    };
    content.textContent = say[view.state] || '';
    r.appendChild(content);
    if (view.state === 'generating' || view.state === 'stuck') {
      const bar = document.createElement('div');
      bar.className = 'video-loading';
      bar.setAttribute('role', 'progressbar');
      r.appendChild(bar);
    }
    if (view.videoUrl) {
      const video = document.createElement('video');
      video.setAttribute('src', view.videoUrl);
      video.controls = true;
      r.appendChild(video);
      const dl = document.createElement('button');
      dl.setAttribute('aria-label', t.download);
      dl.textContent = '⬇';
      dl.addEventListener('click', () => {
        const a = document.createElement('a');
        a.href = view.videoUrl + '?download=1';
        a.download = 'video.mp4';
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
      r.appendChild(dl);
    }
    if (view.state !== 'generating' && view.state !== 'stuck') {
      const actions = document.createElement('message-actions');
      actions.innerHTML = '<button data-test-id="copy-button">Copy</button>';
      r.appendChild(actions);
    }
    chat.appendChild(r);
  };
  const follow = async (id) => {
    for (;;) {
      const res = await fetch('/_/gemini/chats/' + id, { credentials: 'include' });
      if (!res.ok) { toast(t.error); return; }
      const view = await res.json();
      render(view);
      if (view.state !== 'generating' && view.state !== 'stuck') return;
      await new Promise((r) => setTimeout(r, cfg.pollMs));
    }
  };
  send.addEventListener('click', async (e) => {
    if (!e.isTrusted || send.disabled) return;
    const prompt = box.innerText;
    send.disabled = true;
    const res = await fetch('/_/gemini/generate', {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt, tool, image }),
    }).catch(() => null);
    if (!res || !res.ok) { toast(t.error); return; }
    const { id } = await res.json();
    box.innerHTML = '';
    previews.innerHTML = '';
    image = null;
    refresh();
    history.pushState(null, '', '/app/' + id);
    void follow(id);
  });
  if (cfg.chatId) void follow(cfg.chatId);
})();
</script></body></html>`;
}
