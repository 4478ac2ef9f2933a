// Debian's chromium driven by playwright-core, optionally inside a test namespace (so it
// reaches a web harness listening on that namespace's loopback). Playwright talks to the
// browser over a pipe, which crosses namespaces untouched.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Namespace } from './netns.js';
import { requireCommands } from './system-packages.js';
import { makeTempDir } from './tempfiles.js';

/** Debian's chromium (installed by test/setup/install.mjs); throws naming the package if absent. */
export function ensureChromium(): string {
  return requireCommands('chromium').chromium;
}

/** Flags for a quiet, reproducible headless browser (playwright gives it a fresh profile). */
function flags(): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ];
}

export async function launchChromium(ns?: Namespace): Promise<Browser> {
  const binary = ensureChromium();
  const tmp = makeTempDir('ss-chromium-');
  let executablePath = binary;
  if (ns) {
    executablePath = path.join(tmp.path, 'chromium-in-ns');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${ns.name} ${binary} "$@"\n`);
    chmodSync(executablePath, 0o700);
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: flags(),
    timeout: 60_000,
  });
  browser.on('disconnected', () => tmp.remove());
  return browser;
}
