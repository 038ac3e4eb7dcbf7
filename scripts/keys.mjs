#!/usr/bin/env node
// `npm run keys -- create --name n8n --scopes midjourney`: manages API keys in the gateway's database.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuild, ensureNodeModules, root } from './lib/prereqs.mjs';

ensureNodeModules();
ensureBuild(['gateway']);
const cli = join(root, 'dist', 'apps', 'gateway', 'apps', 'gateway', 'src', 'keys.cli.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
