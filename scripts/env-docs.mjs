#!/usr/bin/env node
// Prints (or with --write, puts into README.md) the list of every environment variable from .env.example.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvList, root, withEnvList } from './lib/env-docs.mjs';

if (process.argv.includes('--write')) {
  const file = join(root, 'README.md');
  writeFileSync(file, withEnvList(readFileSync(file, 'utf8')));
} else {
  process.stdout.write(`${renderEnvList()}\n`);
}
