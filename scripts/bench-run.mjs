#!/usr/bin/env node
// Installs what is missing, builds, then runs the TypeScript benchmark with tsx (it needs no decorators).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensurePostgres, ensureSystem, ensureWrk, root } from './lib/prereqs.mjs';

ensureWrk();
ensureSystem();
const stopPostgres = await ensurePostgres();
const result = spawnSync(
  join(root, 'node_modules', '.bin', 'tsx'),
  [join(root, 'scripts', 'bench.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
stopPostgres();
process.exit(result.status ?? 1);
