// Installs what is missing for running or testing the project on a Debian/Ubuntu machine: npm packages,
// Chromium, nats-server and (for tests) PostgreSQL from Debian's packages, and the compiled apps. Plain Node: runs
// before node_modules exists (Postgres checks import `pg` once it does).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
/** The Nest apps: every application project of nest-cli.json (the console is built by Vite apart). */
export const APPS = Object.entries(JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')).projects)
  .filter(([, project]) => project.type === 'application')
  .map(([name]) => name);

/** The provider catalog: compiled into every app and bundled into the console. */
const CATALOG = join(root, 'provider-catalog.mjs');

export function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
}

function which(bin) {
  const result = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

const isRoot = process.getuid?.() === 0;
let aptUpdated = false;

function aptInstall(packages) {
  const sudo = isRoot ? [] : ['sudo'];
  if (!isRoot && !which('sudo')) throw new Error(`Please install as root: apt-get install -y ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log('apt-get update');
    run(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'update', '-qq'], { env });
    aptUpdated = true;
  }
  log(`apt-get install ${packages.join(' ')}`);
  run(
    sudo[0] ?? 'apt-get',
    [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-qq', ...packages],
    {
      env,
    },
  );
}

/**
 * True when node_modules holds what package-lock.json locks: npm's record of the install (node_modules/
 * .package-lock.json) has every locked package at its version. Compared by content, not by file times: a checkout
 * (a fresh clone, a git worktree sharing an install) gives the lock file a new time without changing it.
 */
function installMatchesLock() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return false;
  try {
    const locked = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
    const installed = JSON.parse(readFileSync(marker, 'utf8')).packages ?? {};
    return Object.entries(locked).every(
      ([path, entry]) => path === '' || entry.optional || installed[path]?.version === entry.version,
    );
  } catch {
    return false;
  }
}

export function ensureNodeModules() {
  if (installMatchesLock()) return;
  // `npm install` rather than `npm ci`: it still installs the locked versions, but does not refuse a lock file
  // that lacks other platforms' optional binaries (registry mirrors often carry only some of them).
  log('installing npm packages (npm install)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

export function chromePath() {
  const wanted = process.env.CHROME_PATH;
  if (wanted) return existsSync(wanted) ? wanted : null;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function ensureChromium() {
  if (process.env.BROWSER_WS_ENDPOINT || chromePath()) return;
  aptInstall(['chromium']);
}

/** The benchmark's load generator (C: it leaves the two cores to what is measured). */
export function ensureWrk() {
  if (!which('wrk')) aptInstall(['wrk']);
}

export function natsServerPath() {
  return (
    process.env.NATS_SERVER_BIN ??
    which('nats-server') ??
    (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : null)
  );
}

export function ensureNatsServer() {
  if (natsServerPath()) return;
  aptInstall(['nats-server']);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function appEntry(app) {
  return join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
}

/** What every run of the system needs, in order: packages, Chromium, nats-server, built apps and console. */
/** kubectl renders the k8s overlays in the manifests spec (`kubectl kustomize`); Debian ships it as kubernetes-client. */
export function ensureKubectl() {
  if (!which('kubectl')) aptInstall(['kubernetes-client']);
}

export function ensureSystem() {
  ensureNodeModules();
  ensureChromium();
  ensureNatsServer();
  ensureBuild();
  ensureConsoleBuild();
}

/** The console's build (index.html is rewritten on every build). */
export const consoleEntry = () => join(root, 'dist', 'console', 'index.html');

/** Builds the operator console (Vite) when dist/console is missing or older than apps/console. */
export function ensureConsoleBuild() {
  const entry = consoleEntry();
  const sources = Math.max(newestMtime(join(root, 'apps', 'console')), statSync(CATALOG).mtimeMs);
  if (existsSync(entry) && statSync(entry).mtimeMs >= sources) return;
  log('building console');
  run(join(root, 'node_modules', '.bin', 'vite'), [
    'build',
    '--config',
    'apps/console/vite.config.ts',
    '--logLevel',
    'warn',
  ]);
}

/** Compiles the Nest apps when dist is missing or older than any of their sources (the console is built apart). */
export function ensureBuild(apps = APPS) {
  const appsDir = join(root, 'apps');
  const sources = Math.max(
    newestMtime(join(root, 'libs')),
    statSync(CATALOG).mtimeMs,
    ...readdirSync(appsDir)
      .filter((name) => name !== 'console')
      .map((name) => newestMtime(join(appsDir, name))),
  );
  const stale = apps.filter((app) => !existsSync(appEntry(app)) || statSync(appEntry(app)).mtimeMs < sources);
  if (stale.length === 0) return;
  log(`building ${stale.join(', ')}`);
  run(join(root, 'node_modules', '.bin', 'nest'), ['build', ...stale]);
  // nest build leaves the entry untouched when the output is identical; touch it so staleness checks settle.
  const now = new Date();
  for (const app of stale) execFileSync('touch', ['-d', now.toISOString(), appEntry(app)]);
}

const DEFAULT_TEST_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresAnswers(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : null;
}

/**
 * A throw-away Postgres cluster of the test run's own (trust auth, loopback, a free port), for machines without a
 * server at TEST_POSTGRES_URL's default. Runs as the `postgres` user: initdb refuses root. Returns its URL and a stop.
 */
export async function startPrivatePostgres() {
  if (!postgresBin()) aptInstall(['postgresql']);
  const bin = postgresBin();
  if (!bin) throw new Error('postgresql was installed but initdb was not found under /usr/lib/postgresql');
  const dir = join(root, '.tmp', `postgres-${process.pid}`);
  const asPostgres = isRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  execFileSync('mkdir', ['-p', dir]);
  if (isRoot) execFileSync('chown', ['-R', 'postgres:', dir]);
  const port = await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolvePort(p));
    });
  });
  const sh = (args) =>
    run(asPostgres[0] ?? args[0], [...asPostgres.slice(1), ...(asPostgres.length ? args : args.slice(1))]);
  sh([join(bin, 'initdb'), '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  sh([
    join(bin, 'pg_ctl'),
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  log(`started a private Postgres for this run on 127.0.0.1:${port}`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        sh([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Integration tests and the benchmark need Postgres (the embedded PGlite is tested too). Uses TEST_POSTGRES_URL or
 * the local server; when neither answers, starts a private cluster and points TEST_POSTGRES_URL at it.
 * Returns a stop function for what it started (or a no-op).
 */
export async function ensurePostgres() {
  const url = process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES;
  if (await postgresAnswers(url)) return () => undefined;
  if (process.env.TEST_POSTGRES_URL) {
    throw new Error(`TEST_POSTGRES_URL (${url}) does not answer; fix it or unset it to use a private cluster`);
  }
  const own = await startPrivatePostgres();
  process.env.TEST_POSTGRES_URL = own.url;
  return () => own.stop();
}
