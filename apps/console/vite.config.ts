import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is served by the gateway at /console (apps/gateway/src/console); `npm run build` writes dist/console.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  // `npx vite --config apps/console/vite.config.ts` for development against a gateway on :3000.
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/files': 'http://127.0.0.1:3000' } },
});
