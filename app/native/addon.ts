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
    // openTun on Windows loads wintun.dll from exactly this path, never by name.
    if (process.platform === 'win32') cached.setWintunPath?.(wintunDllPath());
  }
  return cached;
}

/**
 * The wintun.dll this build ships: $SLIPSTREAM_WINTUN_DLL when set (absolute),
 * else resources\wintun\wintun.dll of the packaged app (the helper runs from
 * resources\app.asar.unpacked), else build\wintun\<arch>\wintun.dll of a
 * checkout (where app/packaging/windows/stage-wintun.ts puts it).
 */
export function wintunDllPath(root: string = repoRoot(), arch: string = process.arch): string {
  const fromEnv = process.env.SLIPSTREAM_WINTUN_DLL;
  if (fromEnv && path.win32.isAbsolute(fromEnv)) return fromEnv;
  if (path.basename(root) === 'app.asar.unpacked') {
    return path.join(path.dirname(root), 'wintun', 'wintun.dll');
  }
  return path.join(root, 'build', 'wintun', arch, 'wintun.dll');
}
