import { defineConfig } from 'vitest/config';
import { sharedConfig } from './vitest.config.js';

export default defineConfig({
  ...sharedConfig,
  test: {
    setupFiles: ['reflect-metadata'],
    include: ['apps/**/*.int-spec.ts', 'libs/**/*.int-spec.ts', 'test/**/*.int-spec.ts'],
    expect: { requireAssertions: true },
    // Real browsers, NATS servers and databases: generous timeouts, limited parallelism on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
