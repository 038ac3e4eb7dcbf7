// The provider workers `npm start` runs, and how each one is pointed at the simulator when its account has no
// credentials (sandbox mode), all read from the provider catalog (provider-catalog.mjs). Plain Node only; the test
// harness (test/integration/system.ts) uses sandboxEnv too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_CATALOG } from '../../provider-catalog.mjs';

export { PROVIDER_CATALOG };

/** A catalog value with the provider's simulator origins filled in: `{app}` its URL, `{app.host}` its host:port. */
export function expandSandboxValue(value, site) {
  return value.replace(/\{(\w+)(\.host)?\}/g, (_whole, origin, host) => {
    const url = site?.[origin];
    if (typeof url !== 'string') throw new Error(`the simulator has no '${origin}' origin for "${value}"`);
    return host ? new URL(url).host : url;
  });
}

/**
 * The variables that point a provider's worker at the simulator (catalog `sandbox`): `set` always wins, `defaults`
 * only where the environment has no value. `test` adds the integration tests' quicker checks to the defaults.
 * urls: the simulator's SIMULATOR_READY line; speed: its SIM_SPEED.
 */
export function sandboxEnv(entry, urls, speed, { test = false } = {}) {
  const site = urls[entry.name];
  const name = (suffix) => `${entry.env}_${suffix}`;
  /** @type {Record<string, string>} */
  const set = {};
  /** @type {Record<string, string>} */
  const defaults = {};
  for (const [suffix, value] of Object.entries(entry.sandbox.urls)) set[name(suffix)] = expandSandboxValue(value, site);
  for (const [suffix, value] of Object.entries(entry.sandbox.env)) {
    defaults[name(suffix)] = expandSandboxValue(value, site);
  }
  for (const [suffix, [ms, floor]] of Object.entries(entry.sandbox.scaled)) {
    defaults[name(suffix)] = String(Math.max(floor, Math.round(ms * speed)));
  }
  if (test) {
    for (const [suffix, value] of Object.entries(entry.sandbox.test)) {
      defaults[name(suffix)] = expandSandboxValue(value, site);
    }
  }
  /** Of all these, what the gateway reads too (with the gateway's own variable names). */
  const gateway = Object.fromEntries(
    entry.sandbox.gateway.map((suffix) => [name(suffix), set[name(suffix)] ?? defaults[name(suffix)]]),
  );
  return { set, defaults, gateway };
}

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
 * sandbox(env, urls): points the worker at the simulator (urls from SIMULATOR_READY) and returns its app URL.
 */
export const PROVIDER_WORKERS = PROVIDER_CATALOG.map((entry) => ({
  name: entry.name,
  port: [`${entry.env}_PORT`, entry.port],
  live: (env) => entry.live.some((suffix) => !!env[`${entry.env}_${suffix}`]),
  async sandbox(env, urls) {
    const account = env[`${entry.env}_ACCOUNT`] ?? 'default';
    env[`${entry.env}_COOKIES_FILE`] = await sandboxCookies(env, urls, entry.name, account);
    const { set, defaults } = sandboxEnv(entry, urls, Number(env.SIM_SPEED));
    Object.assign(env, set);
    for (const [variable, value] of Object.entries(defaults)) env[variable] ??= value;
    env[`${entry.env}_PROFILE_DIR`] ??= join(env.DATA_DIR, 'sandbox', 'profiles', `${entry.name}-${account}`);
    return urls[entry.name].app;
  },
}));
