#!/usr/bin/env node
// `npm start`: installs what is missing, then runs the whole system locally: NATS (a nats-server of its own when
// NATS_URL is unset), the gateway on PGlite (or DATABASE_URL) with a local file directory, the provider services
// (scripts/lib/providers.mjs), and, for each provider without credentials, the simulator as its target (sandbox).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  appEntry,
  ensureBuild,
  ensureChromium,
  ensureNatsServer,
  ensureNodeModules,
  log,
  natsServerPath,
  root,
} from './lib/prereqs.mjs';
import { preferPort, stopAll, superviseChild, waitForHttp } from './lib/processes.mjs';
import { PROVIDER_WORKERS } from './lib/providers.mjs';

loadDotEnv(join(root, '.env'));
ensureNodeModules();
ensureChromium();
if (!process.env.NATS_URL) ensureNatsServer();
ensureBuild();

const env = { ...process.env };
const dataDir = resolve(root, env.DATA_DIR ?? 'data');
mkdirSync(dataDir, { recursive: true });
env.DATA_DIR = dataDir;
env.STORAGE_DIR ??= join(dataDir, 'files');
// Supervised children: one that exits is started again with backoff; the others keep running.
const infra = []; // nats-server, simulator: stopped last, the apps still flush to them
const apps = []; // gateway, workers

function loadDotEnv(file) {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
}

/** A secret generated once and kept in the data directory (outside git), unless the environment sets it. */
function persistentSecret(name, file) {
  if (env[name]) return env[name];
  const path = join(dataDir, file);
  if (!existsSync(path)) {
    writeFileSync(path, `${file === 'bootstrap-api-key' ? 'gw_' : ''}${randomBytes(24).toString('base64url')}\n`);
    chmodSync(path, 0o600);
  }
  env[name] = readFileSync(path, 'utf8').trim();
  return env[name];
}

let stopping = false;
/** Everything ends within about 3 s: apps get 1.5 s to close (browsers included), then the rest of the 3 s. */
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping');
  const started = Date.now();
  await stopAll(apps, 1500);
  await stopAll(infra, Math.max(100, 2500 - (Date.now() - started)));
  log(`stopped in ${Date.now() - started} ms`);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const apiKey = persistentSecret('BOOTSTRAP_API_KEY', 'bootstrap-api-key');
  persistentSecret('FILES_SIGNING_SECRET', 'files-signing-secret');
  env.GATEWAY_PORT ??= String(await preferPort(3000));
  env.PUBLIC_BASE_URL ??= `http://localhost:${env.GATEWAY_PORT}`;

  if (!env.NATS_URL) {
    const port = await preferPort(4222);
    mkdirSync(join(dataDir, 'nats'), { recursive: true });
    const nats = superviseChild(
      'nats',
      natsServerPath(),
      ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dataDir, 'nats')],
      {
        readyPattern: /Server is ready/,
      },
    );
    infra.push(nats);
    await nats.ready;
    env.NATS_URL = `nats://127.0.0.1:${port}`;
  }

  for (const worker of PROVIDER_WORKERS) env[worker.port[0]] ??= String(await preferPort(worker.port[1]));
  // A provider without credentials runs against the simulator (sandbox mode); one simulator serves them all.
  const sandboxed = env.BROWSER_WS_ENDPOINT ? [] : PROVIDER_WORKERS.filter((worker) => !worker.live(env));
  if (sandboxed.length) {
    env.SIM_SPEED ??= '0.2';
    env.SIM_ANY_PORTS ??= 'true'; // each imitated origin on a free port; SIMULATOR_READY names them
    env.WEBHOOK_ALLOW_PRIVATE_URLS ??= 'true'; // a sandbox's webhook receivers are local
    const sim = superviseChild('simulator', process.execPath, [appEntry('simulator')], {
      env,
      readyPattern: /SIMULATOR_READY (.*)$/,
    });
    infra.push(sim);
    const urls = JSON.parse((await sim.ready)[1]);
    log(`simulator admin (faults, stats): ${urls.admin}`);
    for (const worker of sandboxed) {
      const target = await worker.sandbox(env, urls);
      log(`sandbox mode: ${worker.name} is the simulator at ${target} (no credentials set)`);
    }
  }

  apps.push(superviseChild('gateway', process.execPath, [appEntry('gateway')], { env }));
  for (const worker of PROVIDER_WORKERS) {
    apps.push(superviseChild(worker.name, process.execPath, [appEntry(worker.name)], { env }));
  }

  const base = `http://localhost:${env.GATEWAY_PORT}`;
  await waitForHttp(`${base}/health/live`, { timeoutMs: 90_000 });
  for (const worker of PROVIDER_WORKERS) {
    await waitForHttp(`http://localhost:${env[worker.port[0]]}/health/live`, { timeoutMs: 90_000 });
  }
  process.stdout.write(
    [
      '',
      `Gateway:   ${base}   (API docs: ${base}/docs)`,
      `Console:   ${base}/console   (sign in with the API key below)`,
      `API key:   ${apiKey}   (from BOOTSTRAP_API_KEY or ${join(dataDir, 'bootstrap-api-key')})`,
      env.DATABASE_URL
        ? `More keys: npm run keys -- create --name n8n --scopes midjourney`
        : `More keys: curl -s -X POST ${base}/v1/admin/keys -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' -d '{"name":"n8n","scopes":["midjourney"]}'`,
      `Mode:      ${PROVIDER_WORKERS.map((w) => `${w.name} ${sandboxed.includes(w) ? 'sandbox (simulator)' : 'live'}`).join(', ')}`,
      '',
      'Try:',
      `  curl -s -X POST ${base}/v1/midjourney/imagine -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' \\`,
      `       -d '{"prompt":"a red fox in the snow","options":{"ar":"1:1"}}'`,
      `  curl -s -X POST ${base}/v1/ideogram/generate -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' \\`,
      `       -d '{"prompt":"a paper crane","aspect_ratio":"16:9"}'`,
      `  curl -s -X POST ${base}/v1/chatgpt/conversations -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' \\`,
      `       -H 'Prefer: wait=60' -d '{"prompt":"a remix of a vintage surf poster"}'`,
      `  curl -s -X POST ${base}/v1/gemini/video -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' \\`,
      `       -d '{"prompt":"a paper boat drifting down a rainy street"}'`,
      `  curl -s ${base}/v1/jobs/<id> -H 'x-api-key: ${apiKey}'`,
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`[start] ${error instanceof Error ? error.message : String(error)}\n`);
  await shutdown(1);
}
