/**
 * Serves the built renderer (dist/renderer) to the browser for the web
 * harness, with the same Content-Security-Policy the Electron window gets,
 * so a page that would break under Electron's CSP breaks here too.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { CONTENT_SECURITY_POLICY } from '../main/window-policy.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export function serveStatic(root: string): http.RequestListener {
  const base = path.resolve(root);
  return (req, res) => {
    const send = (status: number, text: string) =>
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad path');
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.resolve(base, `.${pathname}`);
    if (file !== base && !file.startsWith(base + path.sep)) return send(404, 'not found');
    void stat(file).then(
      (info) => {
        if (!info.isFile()) return send(404, 'not found');
        res.writeHead(200, {
          'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
          'Content-Length': info.size,
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        });
        if (req.method === 'HEAD') return res.end();
        // A file removed between stat and open (a rebuild) ends this response, not the server.
        pipeline(createReadStream(file), res, () => {});
      },
      () => send(404, 'not found'),
    );
  };
}
