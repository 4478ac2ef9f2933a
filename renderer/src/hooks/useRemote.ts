/**
 * One value read from the app: loaded on mount, re-loaded after the
 * connection comes back (events may have been missed meanwhile) and on
 * demand. Answers to superseded loads are dropped, so a slow old answer never
 * overwrites a newer one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../ipc/client.js';
import { useClient, useConnection } from '../ipc/context.js';
import { userMessage } from '../ipc/errors.js';

export interface Remote<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
  /** Replaces the value with one the app has just returned (e.g. setSettings' answer). */
  set: (value: T) => void;
}

export function useRemote<T>(load: (client: Client) => Promise<T>): Remote<T> {
  const client = useClient();
  const { status, epoch } = useConnection();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const generation = useRef(0);
  // The loader is usually an inline arrow; keep the latest without re-running the effect.
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (status !== 'open') return;
    const mine = ++generation.current;
    loadRef.current(client).then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      },
      (reason: unknown) => {
        if (mine === generation.current) setError(userMessage(reason));
      },
    );
  }, [client, status, epoch, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const set = useCallback((value: T) => {
    generation.current++; // a load still in flight is older than this value
    setData(value);
    setError(null);
  }, []);
  return { data, error, reload, set };
}
