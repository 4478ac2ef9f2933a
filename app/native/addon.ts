/**
 * Loads the compiled addon. The `.node` file is ABI-stable (Node-API), so the
 * binary built against Node also loads in Electron.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './types.js';

export type * from './types.js';

let cached: NativeAddon | undefined;
let fileOverride: string | undefined;

/**
 * Load the addon from `file` instead of native/build/Release (before the first
 * loadAddon). Only the Windows test runner calls it, from a preload module, to
 * give Windows node.exe under wine the mingw-w64 build.
 */
export function useAddonFile(file: string): void {
  if (cached) throw new Error('useAddonFile: the addon is already loaded');
  fileOverride = file;
}

/** Repository root, found from this file's location in either app/ or dist/app/. */
function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const distAt = parts.lastIndexOf('dist');
  return distAt >= 0 ? parts.slice(0, distAt).join(path.sep) : path.resolve(here, '..', '..');
}

export function loadAddon(): NativeAddon {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const file =
      fileOverride ?? path.join(repoRoot(), 'native', 'build', 'Release', 'slipstream.node');
    cached = require(file) as NativeAddon;
  }
  return cached;
}
