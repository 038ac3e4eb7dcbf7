#!/usr/bin/env node
// `npm run chaos -- --jobs N --faults N --db pglite|postgres --seed S [--duration-s S]`: installs what is missing,
// builds, then runs the chaos suite (test/chaos/main.ts) with tsx. See README "Chaos suite".
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensurePostgres, ensureSystem, root } from './lib/prereqs.mjs';

ensureSystem();
const args = process.argv.slice(2);
const postgres = args.includes('postgres') || args.includes('--db=postgres');
const stopPostgres = postgres ? await ensurePostgres() : () => undefined;
const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'test', 'chaos', 'main.ts'), ...args], {
  stdio: 'inherit',
  cwd: root,
});
stopPostgres();
process.exit(result.status ?? 1);
