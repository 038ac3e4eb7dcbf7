import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export const libs = ['contracts', 'messaging', 'provider-adapter', 'browser', 'storage', 'net', 'logging'];

export const sharedConfig = {
  // SWC emits the decorator metadata Nest DI and class-validator need; esbuild does not.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: libs.map((name) => ({
      find: new RegExp(`^@app/${name}$`),
      replacement: fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url)),
    })),
  },
};

export default defineConfig({
  ...sharedConfig,
  test: {
    setupFiles: ['reflect-metadata'],
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.spec.ts', 'scripts/**/*.spec.ts'],
    expect: { requireAssertions: true },
    reporters: ['default'],
  },
});
