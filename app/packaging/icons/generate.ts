/**
 * Writes the app's PNG icons (build inputs, committed next to this file):
 *   tray/<state>.png (16 px), tray/<state>@2x.png (32 px), tray/<state>-256.png
 *   linux/<n>x<n>.png (16, 32, 256, 512: electron-builder's Linux icon set)
 *   icon.png (512 px: electron-builder makes the Windows .ico from it)
 * Run after changing draw.ts: npx tsc -b && node dist/app/packaging/icons/generate.js
 * (test/unit/build/icons.test.ts fails while the committed files are stale).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrayIcon } from '../../main/tray-menu.js';
import { appIconShape, render, trayShape } from './draw.js';
import { encodePng } from './png.js';

export const TRAY_STATES: readonly TrayIcon[] = [
  'disconnected',
  'connecting',
  'connected',
  'error',
];

/** Every icon file, relative to app/packaging/icons, with its pixels' source. */
export function iconFiles(): { file: string; size: number; pixels: () => Uint8Array }[] {
  const files = [];
  for (const state of TRAY_STATES) {
    for (const [suffix, size] of [
      ['', 16],
      ['@2x', 32],
      ['-256', 256],
    ] as const) {
      files.push({
        file: `tray/${state}${suffix}.png`,
        size,
        pixels: () => render(size, trayShape(state)),
      });
    }
  }
  for (const size of [16, 32, 256, 512]) {
    files.push({
      file: `linux/${size}x${size}.png`,
      size,
      pixels: () => render(size, appIconShape()),
    });
  }
  files.push({ file: 'icon.png', size: 512, pixels: () => render(512, appIconShape()) });
  return files;
}

/** app/packaging/icons in the source tree, from this file in app/ or dist/app/. */
export function iconSourceDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const dist = parts.lastIndexOf('dist');
  return dist >= 0
    ? path.join(parts.slice(0, dist).join(path.sep), 'app', 'packaging', 'icons')
    : here;
}

async function main(): Promise<void> {
  const dir = iconSourceDir();
  for (const icon of iconFiles()) {
    const out = path.join(dir, icon.file);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, encodePng(icon.size, icon.size, icon.pixels()));
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
