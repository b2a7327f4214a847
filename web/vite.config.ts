// Build: `npx vite build --config web/vite.config.ts` from the repository root → web/dist (served at `/`).
// Dev: `npx vite --config web/vite.config.ts` proxies /api and /health to ESP_API (default http://localhost:8123).
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.ESP_API ?? 'http://localhost:8123';

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  // The server's lists (src/domain) and response schemas (src/http/schemas) are imported as they are, never
  // copied: `@domain/surveillance`, `@schemas/wells` (the schemas for their types only).
  resolve: {
    alias: [
      { find: /^@domain\//, replacement: fileURLToPath(new URL('../src/domain/', import.meta.url)) },
      { find: /^@schemas\//, replacement: fileURLToPath(new URL('../src/http/schemas/', import.meta.url)) },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
    },
  },
});
