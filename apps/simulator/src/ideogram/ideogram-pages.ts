import type { IdeoAccount } from './ideogram-state.js';

/** The Firebase web key the imitation uses in its IndexedDB record name (a placeholder, not Ideogram's). */
export const SIM_FIREBASE_WEB_KEY = 'AIzaSimulatorIdeogramKey';

const ASPECTS = ['1:1 (Square)', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '16:10', '10:16', '1:3', '3:1'];
const RESOLUTION_OF: Record<string, [number, number]> = {
  '1:1 (Square)': [1024, 1024],
  '16:9': [1312, 736],
  '9:16': [736, 1312],
  '4:3': [1152, 864],
  '3:4': [864, 1152],
  '3:2': [1248, 832],
  '2:3': [832, 1248],
  '16:10': [1280, 800],
  '10:16': [800, 1280],
};

export function signedOutPage(): string {
  return `<!DOCTYPE html><html><head><title>Ideogram</title></head><body>
<header><a href="/login">Sign in</a></header>
<main><h1>Welcome to Ideogram</h1><button id="google">Continue with Google</button><a href="/login?signup=1">Sign up</a></main>
</body></html>`;
}

/**
 * The signed-in app shell: the real selectors (prompt editor, aspect-ratio options, generate button) and a script
 * that behaves like the web app — it keeps a Firebase token record in IndexedDB (refreshed before it expires, or
 * when its expirationTime says so), and calls the backend with window.fetch, `x-ideo-org`, `x-request-id` and
 * `traceparent`, as adapters expect to see it do.
 */
export function signedInPage(account: IdeoAccount): string {
  const boot = JSON.stringify({
    orgId: account.orgId,
    userId: account.userId,
    handle: account.handle,
    webKey: SIM_FIREBASE_WEB_KEY,
    resolutions: RESOLUTION_OF,
  }).replace(/</g, '\\u003c');
  return `<!DOCTYPE html><html><head><title>Ideogram</title></head><body>
<header><a href="/t/explore">Explore</a> <a href="/t/my-images">My images</a> <button id="profile">@${account.handle}</button></header>
<section id="composer">
  <div class="tiptap-prompt-editor ProseMirror" contenteditable="true"></div>
  <div data-testid="aspect-ratio-config-container"><button type="button" class="aspect-trigger">1:1</button>
    <div role="listbox">${ASPECTS.map((a) => `<button type="button" data-aspect="${a}">${a}</button>`).join('')}</div>
  </div>
  <button type="button" data-testid="generate-button">Generate</button>
</section>
<div id="progress"></div><div id="results"></div>
<script>
(() => {
  const BOOT = ${boot};
  const STORE = 'firebaseLocalStorage';
  const KEY = 'firebase:authUser:' + BOOT.webKey + ':[DEFAULT]';
  const REFRESH_BEFORE_MS = 5 * 60 * 1000;
  let aspect = '1:1 (Square)';

  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('firebaseLocalStorageDb', 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'fbase_key' });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  async function readUser() {
    const d = await db();
    return new Promise((resolve) => {
      const get = d.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
      get.onsuccess = () => resolve(get.result ? get.result.value : null);
      get.onerror = () => resolve(null);
    });
  }
  async function writeUser(value) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put({ fbase_key: KEY, value });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  }
  // Firebase's SDK refreshes the ID token with the refresh token when it is (about to be) expired.
  let pending = null;
  async function token() {
    const user = await readUser();
    const stm = user && user.stsTokenManager;
    if (stm && stm.expirationTime - Date.now() > REFRESH_BEFORE_MS) return stm.accessToken;
    pending = pending || (async () => {
      const body = stm && stm.refreshToken
        ? 'grant_type=refresh_token&refresh_token=' + encodeURIComponent(stm.refreshToken)
        : 'grant_type=session';
      const res = await window.fetch('/__auth/token', {
        method: 'POST', credentials: 'include',
        headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
      });
      if (!res.ok) { signedOut(); return null; }
      const t = await res.json();
      await writeUser({
        uid: t.user_id,
        stsTokenManager: {
          accessToken: t.access_token, refreshToken: t.refresh_token,
          expirationTime: Date.now() + Number(t.expires_in) * 1000,
        },
      });
      return t.access_token;
    })().finally(() => { pending = null; });
    return pending;
  }
  function hex(n) { return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join(''); }
  async function api(path, init) {
    const t = await token();
    const id = hex(16);
    const headers = Object.assign({
      accept: '*/*', 'content-type': 'application/json', 'x-ideo-org': BOOT.orgId,
      'x-request-id': id, traceparent: '00-' + id + '-' + hex(8) + '-00', 'x-amplitude-session-id': String(Date.now()),
    }, t ? { authorization: 'Bearer ' + t } : {});
    return window.fetch(path, Object.assign({ credentials: 'include' }, init, { headers }));
  }
  function signedOut() {
    document.body.innerHTML = '<a href="/login">Sign in</a> <button>Continue with Google</button>';
  }
  async function generate() {
    const prompt = document.querySelector('.tiptap-prompt-editor').textContent.trim();
    if (!prompt) return;
    const [width, height] = BOOT.resolutions[aspect] || [1024, 1024];
    const res = await api('/api/images/sample', { method: 'POST', body: JSON.stringify({
      prompt, user_id: BOOT.userId, private: true, model_version: 'V_3_1', model_uri: 'model/V_3_1/version/0',
      use_autoprompt_option: 'ON', sampling_speed: -2, character_reference_parents: [], product_reference_parents: [],
      resolution: { width, height }, num_images: 1, style_type: 'AUTO',
    }) });
    const sample = await res.json();
    if (!sample.request_id) return;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const poll = await (await api('/api/gallery/retrieve-requests', { method: 'POST',
        body: JSON.stringify({ request_ids: [sample.request_id] }) })).json();
      const entry = poll.sampling_requests && poll.sampling_requests[0];
      if (!entry) return;
      document.getElementById('progress').textContent = entry.completion_percentage + '%';
      if (entry.is_errored) return;
      if (entry.is_completed) {
        document.getElementById('results').innerHTML = entry.responses
          .map((r) => '<img alt="" src="/api/download/response/' + r.response_id + '/image?quality=PNG">').join('');
        return;
      }
    }
  }
  document.querySelectorAll('[data-aspect]').forEach((b) => b.addEventListener('click', () => { aspect = b.dataset.aspect; }));
  document.querySelector('[data-testid="generate-button"]').addEventListener('click', () => void generate());
  (async () => {
    await token();
    await api('/api/account/login', { method: 'POST', body: JSON.stringify({ external_photo_url: null }) });
    document.documentElement.dataset.session = 'ready';
  })();
})();
</script></body></html>`;
}
