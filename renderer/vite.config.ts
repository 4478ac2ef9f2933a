/**
 * Build of the renderer: one static folder (dist/renderer) that Electron loads
 * from file:// and the web harness serves over http, so every URL is relative
 * (base './') and nothing is inlined into index.html, which the app's strict
 * CSP (app/main/window-policy.ts) would block.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../app/main/window-policy.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Puts the app's own CSP into the built page too, so a plain browser (the web
 * harness, a test) enforces the same policy Electron sends as a header.
 * frame-ancestors is dropped: browsers ignore it in a <meta> and warn. Build
 * only: the dev server's hot reload needs an inline preamble.
 */
function contentSecurityPolicyMeta(): Plugin {
  const policy = CONTENT_SECURITY_POLICY.split('; ')
    .filter((directive) => !directive.startsWith('frame-ancestors'))
    .join('; ');
  return {
    name: 'slipstream-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: policy },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/**
 * `vite` (dev server, hot reload) talks to a running web harness (`npm run
 * web`) through this proxy. The harness only accepts its own Host and
 * Origin (DNS-rebinding guard), so the proxy presents them.
 */
const harness = process.env.SLIPSTREAM_WEB_URL ?? 'http://127.0.0.1:5199';

export default defineConfig({
  root,
  base: './',
  plugins: [react(), contentSecurityPolicyMeta()],
  server: {
    proxy: {
      '/ipc': {
        target: harness,
        ws: true,
        changeOrigin: true,
        headers: { origin: new URL(harness).origin },
      },
    },
  },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // The polyfill is an inline script; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // data: URLs would be fine for images but not fonts; emit files, always.
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
});
