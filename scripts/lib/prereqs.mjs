// Installs what is missing for running or testing the project on a Debian/Ubuntu machine: npm packages,
// Chromium and nats-server (Debian packages), and the compiled apps. Plain Node: runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
export const APPS = ['gateway', 'midjourney', 'chatgpt', 'simulator'];

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

export function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
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

/** Compiles the apps when dist is missing or older than any source file. */
export function ensureBuild(apps = APPS) {
  const sources = Math.max(newestMtime(join(root, 'apps')), newestMtime(join(root, 'libs')));
  const stale = apps.filter((app) => !existsSync(appEntry(app)) || statSync(appEntry(app)).mtimeMs < sources);
  if (stale.length === 0) return;
  log(`building ${stale.join(', ')}`);
  run(join(root, 'node_modules', '.bin', 'nest'), ['build', ...stale]);
  // nest build leaves the entry untouched when the output is identical; touch it so staleness checks settle.
  const now = new Date();
  for (const app of stale) execFileSync('touch', ['-d', now.toISOString(), appEntry(app)]);
}
