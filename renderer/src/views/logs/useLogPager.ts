/**
 * One LogPager per (process, filter, connection): a new query starts from an
 * empty cache, and a reconnect re-reads (the log may have moved on). Created
 * in an effect, not during render, so a discarded render never fetches.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { LogLevel, LogProcess } from '../../../../ipc/schema.js';
import { useClient, useConnection } from '../../ipc/context.js';
import { LogPager } from './log-pager.js';

type Level = (typeof LogLevel.options)[number];

const idle = { subscribe: () => () => {}, getVersion: () => 0 };

export function useLogPager(process: LogProcess, minLevel: Level, text: string) {
  const client = useClient();
  const { status, epoch } = useConnection();
  const [pager, setPager] = useState<LogPager | null>(null);

  useEffect(() => {
    if (status !== 'open') return;
    const next = new LogPager(client, process, { minLevel, text });
    setPager(next);
    return () => next.dispose();
  }, [client, status, epoch, process, minLevel, text]);

  const source = pager ?? idle;
  // Re-render whenever the pager learns something (a page, new counts).
  useSyncExternalStore(source.subscribe, source.getVersion);
  return pager;
}
