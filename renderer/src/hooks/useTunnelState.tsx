/**
 * The tunnel's state, kept for the whole app (not per view) so the
 * throughput graph has its history when the Status view is opened again.
 * It is read with getState and then followed with `state` events; after a
 * reconnect it is read again, since events were missed meanwhile.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { TunnelState } from '../../../ipc/schema.js';
import { useClient, useConnection } from '../ipc/context.js';
import { userMessage } from '../ipc/errors.js';

/** One point of the throughput graph, in bits per second. */
export interface RateSample {
  rx: number;
  tx: number;
}

export const MAX_SAMPLES = 60;

export interface TunnelView {
  state: TunnelState | null;
  /** When `state` arrived (ms since epoch): elapsed times keep counting from there. */
  receivedAt: number;
  /** The last MAX_SAMPLES rates from the per-second `state` events while connected. */
  samples: readonly RateSample[];
  error: string | null;
}

const TunnelContext = createContext<TunnelView | null>(null);

function addSample(samples: readonly RateSample[], state: TunnelState): readonly RateSample[] {
  if (state.status !== 'connected') return samples.length === 0 ? samples : [];
  const next = [...samples, { rx: state.rxBitsPerSecond, tx: state.txBitsPerSecond }];
  return next.length > MAX_SAMPLES ? next.slice(next.length - MAX_SAMPLES) : next;
}

export function TunnelStateProvider({ children }: { children: ReactNode }) {
  const client = useClient();
  const { status, epoch } = useConnection();
  const [view, setView] = useState<TunnelView>({
    state: null,
    receivedAt: 0,
    samples: [],
    error: null,
  });

  useEffect(() => {
    if (status !== 'open') return;
    let cancelled = false;
    // An event that arrives while getState is in flight is newer than its answer.
    let sawEvent = false;
    const off = client.on('state', (state) => {
      sawEvent = true;
      setView((v) => ({
        state,
        receivedAt: Date.now(),
        samples: addSample(v.samples, state),
        error: null,
      }));
    });
    client.getState({}).then(
      (state) => {
        if (cancelled || sawEvent) return;
        setView((v) => ({
          state,
          receivedAt: Date.now(),
          samples: state.status === 'connected' ? v.samples : [],
          error: null,
        }));
      },
      (error: unknown) => {
        if (!cancelled) setView((v) => ({ ...v, error: userMessage(error) }));
      },
    );
    return () => {
      cancelled = true;
      off();
    };
  }, [client, status, epoch]);

  return <TunnelContext.Provider value={view}>{children}</TunnelContext.Provider>;
}

export function useTunnelState(): TunnelView {
  const view = useContext(TunnelContext);
  if (!view) throw new Error('useTunnelState outside TunnelStateProvider');
  return view;
}
