/**
 * Delay before the next reconnect attempt: doubling from 250 ms up to 5 s,
 * with jitter so several windows do not all knock at the same instant. Short
 * cap: the server is local, and the user is looking at a "reconnecting" banner.
 */
const INITIAL_MS = 250;
const MAX_MS = 5_000;

export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_MS, INITIAL_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
