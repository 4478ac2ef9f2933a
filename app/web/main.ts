#!/usr/bin/env node
/**
 * `npm run web`: the real renderer in a browser, talking to the real
 * main-process logic and helper, over a WebSocket carrying the same IPC
 * schema (issue 4 §9). This is how the UI runs where Electron cannot.
 *
 *   PORT=5199 SLIPSTREAM_DATA_DIR=... node dist/app/web/main.js
 *
 * Optional: SLIPSTREAM_LOG_DIR (default: the OS log location), SLIPSTREAM_IFNAME
 * (tunnel interface name), SLIPSTREAM_HELPER_SOCKET (use a helper already
 * running there, as the installed service would be, instead of starting one),
 * SLIPSTREAM_PORTAL_POLL_SECONDS (how often a signed-in device is checked on
 * the portal; default 60). The sign-in page opens from a link in the page.
 *
 * Listens on 127.0.0.1 only. Needs root or CAP_NET_ADMIN for the helper to
 * run as a child (otherwise it uses an installed service, or pkexec).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMainCore } from '../main/core.js';
import { newAccessToken, startIpcSocket } from './ipc-socket.js';
import { serveStatic } from './static-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 5199);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT: not a port');
  const version = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const dataDir =
    process.env.SLIPSTREAM_DATA_DIR ?? path.join(os.homedir(), '.local', 'share', 'slipstream-web');
  const core = await startMainCore({
    services: { shell: 'web', version },
    userDataDir: dataDir,
    ...(process.env.SLIPSTREAM_LOG_DIR ? { logDirectory: process.env.SLIPSTREAM_LOG_DIR } : {}),
    exportDirectory: path.join(dataDir, 'exports'),
    ...(process.env.SLIPSTREAM_PORTAL_POLL_SECONDS
      ? { portalPollMs: Number(process.env.SLIPSTREAM_PORTAL_POLL_SECONDS) * 1000 }
      : {}),
    helper: {
      ...(process.env.SLIPSTREAM_IFNAME ? { ifname: process.env.SLIPSTREAM_IFNAME } : {}),
      // An already running helper (as the system service would be) at another path.
      ...(process.env.SLIPSTREAM_HELPER_SOCKET
        ? { systemSocket: process.env.SLIPSTREAM_HELPER_SOCKET }
        : {}),
    },
  });
  const token = newAccessToken();
  const web = await startIpcSocket({
    port,
    token,
    dispatch: core.dispatch,
    serveStatic: serveStatic(path.join(root, 'dist', 'renderer')),
  });
  core.onEvent((event, payload) => web.broadcast(event, payload));
  // The address carries the access token: only whoever started the harness sees it (it is
  // printed here, never logged). One JSON line that scripts (and the tests) wait for, then
  // one for people.
  const url = `${web.origin}/?token=${token}`;
  process.stdout.write(
    `${JSON.stringify({ message: 'web harness ready', url })}\n` +
      `Slipstream is at ${url} (open it in a browser on this machine; the address is the key).\n`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await web.close();
      await core.close();
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`slipstream web: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
