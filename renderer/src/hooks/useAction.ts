/**
 * Runs a user action (a button's command): remembers that it is running, so
 * the button can be disabled against double clicks, and keeps its failure as
 * a sentence to show next to it.
 */
import { useCallback, useRef, useState } from 'react';
import { userMessage } from '../ipc/errors.js';

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = useRef(0);

  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    running.current++;
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (reason) {
      setError(userMessage(reason));
      return undefined;
    } finally {
      if (--running.current === 0) setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, run, clearError };
}
