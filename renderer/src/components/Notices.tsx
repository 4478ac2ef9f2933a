/**
 * In-page notices where there are no system notifications (the web harness):
 * the same decisions the desktop app turns into system notifications
 * (ipc/notifications.ts), made here from the tunnel states the page receives.
 * In Electron the main process notifies, so nothing is shown here. A live
 * region without a role: the Status view owns the page's role="status".
 */
import { useEffect, useRef, useState } from 'react';
import {
  decideNotifications,
  initialNotifyMemory,
  type Notice,
} from '../../../ipc/notifications.js';
import { useAccount } from '../hooks/useAccount.js';
import { useAppInfo } from '../hooks/useAppInfo.js';
import { useTunnelState } from '../hooks/useTunnelState.js';
import './notices.css';

/** How long a notice stays, unless dismissed. */
const NOTICE_MS = 15_000;
/** At most this many at once: the newest stay. */
const MAX_SHOWN = 3;

interface Shown extends Notice {
  id: number;
}

export function Notices() {
  const info = useAppInfo();
  const { state } = useTunnelState();
  const account = useAccount().data;
  const signInExpiresAt = account?.status === 'signed-in' ? (account.expiresAt ?? null) : null;
  const memory = useRef(initialNotifyMemory);
  const nextId = useRef(0);
  const [shown, setShown] = useState<Shown[]>([]);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const enabled = info?.shell === 'web';

  useEffect(() => {
    if (!enabled || state === null) return;
    const out = decideNotifications(memory.current, { tunnel: state, signInExpiresAt }, Date.now());
    memory.current = out.memory;
    if (out.notices.length === 0) return;
    const added = out.notices.map((n) => ({ ...n, id: nextId.current++ }));
    setShown((list) => [...list, ...added].slice(-MAX_SHOWN));
    // Not cleared when the next state arrives (every second while connected): only on unmount.
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setShown((list) => list.filter((n) => !added.includes(n)));
    }, NOTICE_MS);
    timers.current.add(timer);
  }, [enabled, state, signInExpiresAt]);
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((t) => clearTimeout(t));
  }, []);

  if (!enabled) return null;
  return (
    <section className="notices" aria-label="Notifications" aria-live="polite">
      {shown.map((n) => (
        <div key={n.id} className={`notice notice-${n.kind}`} data-kind={n.kind}>
          <strong>{n.title}</strong>
          <span>{n.body}</span>
          <button
            type="button"
            aria-label={`Dismiss: ${n.title}`}
            onClick={() => setShown((list) => list.filter((x) => x.id !== n.id))}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
