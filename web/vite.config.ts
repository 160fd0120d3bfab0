import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './precompress.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The API paths the dev server (`npx vite --config web/vite.config.ts`) forwards to a running lagwatch.
const API = ['/dashboard', '/monitor', '/rules', '/targets', '/alerts', '/events', '/ingest', '/health', '/docs'];

export default defineConfig({
  root: here('.'),
  // Relative asset URLs: the dashboard also works behind a reverse proxy under a path prefix.
  base: './',
  plugins: [react(), precompress()],
  build: {
    // Not dist/web: tsc compiles src/web (the server side) there.
    outDir: here('../dist/dashboard'),
    emptyOutDir: true,
    // Not built: the server publishes none (the dev server, `npx vite`, has its own).
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(API.map((path) => [path, 'http://127.0.0.1:9501'])),
  },
});
