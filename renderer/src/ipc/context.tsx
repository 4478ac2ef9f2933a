/**
 * Makes the one IPC client and the connection's state available to every
 * component, so views never construct transports themselves (and tests or
 * stories could provide a different one).
 */
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { Client } from '../../../ipc/client.js';
import type { ConnectionStatus } from '../transport/connection.js';
import type { Ipc } from '../transport/select-transport.js';

const IpcContext = createContext<Ipc | null>(null);

export function IpcProvider({ ipc, children }: { ipc: Ipc; children: ReactNode }) {
  return <IpcContext.Provider value={ipc}>{children}</IpcContext.Provider>;
}

function useIpcContext(): Ipc {
  const ipc = useContext(IpcContext);
  if (!ipc) throw new Error('useIpc outside IpcProvider');
  return ipc;
}

export function useClient(): Client {
  return useIpcContext().client;
}

/** The connection's state, and how many times it has opened (a new epoch means "re-fetch"). */
export function useConnection(): { status: ConnectionStatus; epoch: number } {
  const { connection } = useIpcContext();
  const status = useSyncExternalStore(connection.subscribe, connection.status);
  const epoch = useSyncExternalStore(connection.subscribe, connection.epoch);
  return { status, epoch };
}
