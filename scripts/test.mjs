#!/usr/bin/env node
// `npm test`: installs what is missing (npm packages, Chromium, nats-server, kubectl; a private Postgres when none
// answers), builds the apps, runs unit, integration then fuzz tests, prints one summary line ("N passed, N failed")
// and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKubectl, ensurePostgres, ensureSystem, root } from './lib/prereqs.mjs';

ensureSystem();
ensureKubectl();
const stopPostgres = await ensurePostgres();

const outDir = mkdtempSync(join(tmpdir(), 'gw-test-'));
const suites = [
  { name: 'unit', config: 'vitest.config.ts' },
  { name: 'integration', config: 'vitest.int.config.ts' },
  { name: 'fuzz', config: 'vitest.fuzz.config.ts' },
];
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedSuites = 0;

for (const suite of suites) {
  const report = join(outDir, `${suite.name}.json`);
  process.stdout.write(`\n=== ${suite.name} tests ===\n`);
  const result = spawnSync(
    join(root, 'node_modules', '.bin', 'vitest'),
    ['run', '--config', suite.config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    { stdio: 'inherit', cwd: root, env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    counts = {
      passed: json.numPassedTests,
      // Failed tests, plus files that failed without a failed test (they did not load or a hook threw).
      failed:
        json.numFailedTests +
        json.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'))
          .length,
      skipped: json.numPendingTests + json.numTodoTests,
    };
  } catch {
    counts.failed = 1; // no report: the runner itself failed
  }
  if (result.status !== 0 && counts.failed === 0) counts.failed = 1;
  if (result.status !== 0) failedSuites++;
  process.stdout.write(`${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}
rmSync(outDir, { recursive: true, force: true });
stopPostgres();

process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failedSuites > 0 || totals.failed > 0 || totals.passed === 0 ? 1 : 0);
