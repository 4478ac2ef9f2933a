/**
 * The app's icons as pure functions of size: anti-aliased by 4x4
 * supersampling of a shape function over [0,1]². Tray icons are a disc in
 * the state's colour crossed by a white "slipstream" wave; the app icon is a
 * rounded blue square with three waves.
 */
import type { TrayIcon } from '../../main/tray-menu.js';

type Rgba = readonly [number, number, number, number];
/** Colour at a point of the unit square, or null for transparent. */
type Shape = (x: number, y: number) => Rgba | null;

export const TRAY_COLOURS: Record<TrayIcon, Rgba> = {
  disconnected: [0x8b, 0x94, 0x9e, 255], // grey
  connecting: [0xf0, 0xa0, 0x20, 255], // amber
  connected: [0x2e, 0xa0, 0x43, 255], // green
  error: [0xd7, 0x3a, 0x49, 255], // red
};
const WHITE: Rgba = [255, 255, 255, 255];
const BLUE: Rgba = [0x1f, 0x6f, 0xeb, 255];

export function render(size: number, shape: Shape): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Premultiplied accumulation, so edges blend towards transparent correctly.
      let r = 0, g = 0, b = 0, a = 0; // prettier-ignore
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shape((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          const alpha = c[3] / 255;
          r += c[0] * alpha;
          g += c[1] * alpha;
          b += c[2] * alpha;
          a += alpha;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return out;
}

/** A sine band: |y - centre - amplitude·sin| < half width. */
function wave(x: number, y: number, centre: number, amplitude: number, halfWidth: number): boolean {
  return Math.abs(y - centre - amplitude * Math.sin((x - 0.5) * 2 * Math.PI)) < halfWidth;
}

export function trayShape(icon: TrayIcon): Shape {
  const colour = TRAY_COLOURS[icon];
  return (x, y) => {
    const dx = x - 0.5;
    const dy = y - 0.5;
    if (dx * dx + dy * dy > 0.47 * 0.47) return null;
    return wave(x, y, 0.5, 0.12, 0.09) ? WHITE : colour;
  };
}

export function appIconShape(): Shape {
  const radius = 0.2;
  return (x, y) => {
    // Rounded square with a 6% margin.
    const m = 0.06;
    const cx = Math.min(Math.max(x, m + radius), 1 - m - radius);
    const cy = Math.min(Math.max(y, m + radius), 1 - m - radius);
    if ((x - cx) ** 2 + (y - cy) ** 2 > radius * radius) return null;
    for (const centre of [0.32, 0.5, 0.68]) {
      if (x > 0.18 && x < 0.82 && wave(x, y, centre, 0.05, 0.035)) return WHITE;
    }
    return BLUE;
  };
}
