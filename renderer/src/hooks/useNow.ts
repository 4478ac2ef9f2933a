/**
 * The current time, refreshed every `intervalMs` while `active`: counters the
 * app reports once ("connecting since 3 s") keep counting between events.
 */
import { useEffect, useState } from 'react';

export function useNow(intervalMs: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now;
}
