#!/usr/bin/env node
// `npm run build`: every application project of nest-cli.json (the Nest apps: gateway, simulator and each provider
// worker), then the console (Vite). A new app needs its nest-cli project only.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { APPS, log, root } from './lib/prereqs.mjs';

function run(bin, args) {
  const result = spawnSync(join(root, 'node_modules', '.bin', bin), args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

log(`building ${APPS.join(', ')} and the console`);
run('nest', ['build', ...APPS]);
run('vite', ['build', '--config', 'apps/console/vite.config.ts']);
