/**
 * Builds the sandboxed preload: a sandboxed renderer's preload gets a limited
 * `require` that cannot load local files, so preload.ts and what it imports
 * (the schema, zod) become ONE CommonJS file; only `electron` stays a
 * require(). Run: npx vite build --config app/main/electron/preload.vite.config.ts
 * Output: dist/preload/preload.cjs (main.ts points webPreferences.preload at it).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');

export default defineConfig({
  root,
  // Nothing from public/ or index.html belongs in the preload.
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: path.join(root, 'dist', 'preload'),
    emptyOutDir: true,
    // Electron 45 ships Chromium 140 / Node 22.
    target: 'node22',
    minify: false,
    sourcemap: false,
    lib: {
      entry: path.join(here, 'preload.ts'),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
