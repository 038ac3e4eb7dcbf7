import { defineConfig } from 'vitest/config';
import { sharedConfig } from './vitest.config.js';

// The fuzz tier (`npm run test:fuzz`, and a suite of `npm test`): generated hostile requests against a running system.
export default defineConfig({
  ...sharedConfig,
  test: {
    setupFiles: ['reflect-metadata'],
    include: ['test/fuzz/**/*.fuzz-spec.ts'],
    expect: { requireAssertions: true },
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
