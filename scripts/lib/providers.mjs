// The provider workers `npm start` runs, and how each one is pointed at the simulator when its account has no
// credentials (sandbox mode). Plain Node only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

async function adminJson(admin, method, path, body) {
  const res = await fetch(`${admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.text();
}

/** Creates the simulator account and writes its cookies where the worker imports them from. */
async function sandboxCookies(env, urls, provider, account) {
  await adminJson(urls.admin, 'POST', `/__admin/${provider}/accounts`, { name: account });
  const cookies = await adminJson(urls.admin, 'GET', `/__admin/${provider}/accounts/${account}/cookies`);
  const dir = join(env.DATA_DIR, 'sandbox');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${provider}.cookies.json`);
  writeFileSync(file, cookies, { mode: 0o600 });
  return file;
}

/**
 * name: the app and provider; port: [variable, preferred]; live(env): true when a real account is configured;
 * sandbox(env, urls): points the worker at the simulator (urls from SIMULATOR_READY).
 */
export const PROVIDER_WORKERS = [
  {
    name: 'midjourney',
    port: ['MIDJOURNEY_PORT', 3002],
    live: (env) => !!env.MIDJOURNEY_COOKIES_FILE,
    async sandbox(env, urls) {
      const account = env.MIDJOURNEY_ACCOUNT ?? 'default';
      env.MIDJOURNEY_COOKIES_FILE = await sandboxCookies(env, urls, 'midjourney', account);
      env.MIDJOURNEY_APP_URL = urls.midjourney.app;
      env.MIDJOURNEY_CDN_URL = urls.midjourney.cdn;
      env.MIDJOURNEY_WS_URL = urls.midjourney.ws;
      env.MIDJOURNEY_PROFILE_DIR ??= join(env.DATA_DIR, 'sandbox', 'profiles', `midjourney-${account}`);
      env.MIDJOURNEY_ALLOW_PRIVATE_URLS ??= 'true';
      env.MIDJOURNEY_MIN_SUBMIT_GAP_MS ??= '0';
      env.MIDJOURNEY_EXPECTED_RENDER_MS ??= String(Math.round(30_000 * Number(env.SIM_SPEED)));
      env.MIDJOURNEY_CDN_HOSTS ??= `cdn.midjourney.com,${new URL(urls.midjourney.cdn).host}`;
      return urls.midjourney.app;
    },
  },
  {
    name: 'ideogram',
    port: ['IDEOGRAM_PORT', 3003],
    live: (env) => !!env.IDEOGRAM_COOKIES_FILE,
    async sandbox(env, urls) {
      const account = env.IDEOGRAM_ACCOUNT ?? 'default';
      env.IDEOGRAM_COOKIES_FILE = await sandboxCookies(env, urls, 'ideogram', account);
      env.IDEOGRAM_APP_URL = urls.ideogram.app;
      env.IDEOGRAM_PROFILE_DIR ??= join(env.DATA_DIR, 'sandbox', 'profiles', `ideogram-${account}`);
      env.IDEOGRAM_ALLOW_PRIVATE_URLS ??= 'true';
      env.IDEOGRAM_MIN_SUBMIT_GAP_MS ??= '0';
      env.IDEOGRAM_EXPECTED_RENDER_MS ??= String(Math.round(60_000 * Number(env.SIM_SPEED)));
      return urls.ideogram.app;
    },
  },
  {
    name: 'chatgpt',
    port: ['CHATGPT_PORT', 3001],
    // Live with exported cookies, or with a profile signed in by hand (Google sign-in cannot be automated).
    live: (env) => !!(env.CHATGPT_COOKIES_FILE || env.CHATGPT_PROFILE_DIR),
    async sandbox(env, urls) {
      const account = env.CHATGPT_ACCOUNT ?? 'default';
      env.CHATGPT_COOKIES_FILE = await sandboxCookies(env, urls, 'chatgpt', account);
      env.CHATGPT_APP_URL = urls.chatgpt.app; // the gateway reads it too: GPT URLs on the simulator are accepted
      env.CHATGPT_PROFILE_DIR = join(env.DATA_DIR, 'sandbox', 'profiles', `chatgpt-${account}`);
      env.CHATGPT_ALLOW_PRIVATE_URLS ??= 'true';
      env.CHATGPT_MIN_SEND_GAP_MS ??= '0';
      env.CHATGPT_EXPECTED_ANSWER_MS ??= String(Math.max(100, Math.round(4000 * Number(env.SIM_SPEED))));
      env.CHATGPT_POLL_INTERVAL_MS ??= '500';
      return urls.chatgpt.app;
    },
  },
];
