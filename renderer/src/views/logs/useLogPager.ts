/**
 * One LogPager per (source, filter, connection): a new query starts from an
 * empty cache, and a reconnect re-reads (the log may have moved on). Created
 * in an effect, not during render, so a discarded render never fetches.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { LogLevel, LogSource } from '../../../../ipc/schema.js';
import { useClient, useConnection } from '../../ipc/context.js';
import { LogPager } from './log-pager.js';

type Level = (typeof LogLevel.options)[number];

const idle = { subscribe: () => () => {}, getVersion: () => 0 };

export function useLogPager(source: LogSource, minLevel: Level, text: string) {
  const client = useClient();
  const { status, epoch } = useConnection();
  const [pager, setPager] = useState<LogPager | null>(null);

  useEffect(() => {
    if (status !== 'open') return;
    const next = new LogPager(client, source, { minLevel, text });
    setPager(next);
    return () => next.dispose();
  }, [client, status, epoch, source, minLevel, text]);

  const store = pager ?? idle;
  // Re-render whenever the pager learns something (a page, new counts).
  useSyncExternalStore(store.subscribe, store.getVersion);
  return pager;
}
