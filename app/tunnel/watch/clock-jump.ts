/**
 * Tells a suspend from the clocks: the monotonic clock (performance.now, Linux
 * CLOCK_MONOTONIC) stands still while the machine sleeps, the wall clock does
 * not. When the wall clock moved more than `thresholdMs` further than the
 * monotonic one between two samples, the machine slept (or the time was set,
 * after which a fresh handshake is just as harmless). A busy event loop
 * delays both clocks alike, so it is not mistaken for a sleep.
 */
export interface ClockSample {
  wall: number;
  mono: number;
}

export const CLOCK_JUMP_THRESHOLD_MS = 5_000;

/** How far the wall clock ran ahead of the monotonic clock, in ms, when that is a jump; else 0. */
export function clockJump(
  before: ClockSample,
  after: ClockSample,
  thresholdMs = CLOCK_JUMP_THRESHOLD_MS,
): number {
  const skew = after.wall - before.wall - (after.mono - before.mono);
  return Math.abs(skew) > thresholdMs ? skew : 0;
}
