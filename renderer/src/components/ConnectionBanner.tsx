/**
 * Says so when the renderer cannot reach the app (the web harness restarted,
 * the socket dropped) instead of leaving stale or blank views. A live region
 * without a role: the Status view owns the page's one role="status".
 */
import { useEffect, useState } from 'react';
import { useConnection } from '../ipc/context.js';

/** The first connection normally opens within milliseconds; do not flash a banner for it. */
const FIRST_CONNECT_GRACE_MS = 500;

export function ConnectionBanner() {
  const { status } = useConnection();
  const [graceOver, setGraceOver] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setGraceOver(true), FIRST_CONNECT_GRACE_MS);
    return () => clearTimeout(timer);
  }, []);

  // 'down' means a retry is scheduled, whether or not it was ever connected.
  let text = '';
  if (status === 'down') text = 'Reconnecting to Slipstream…';
  else if (status === 'connecting' && graceOver) text = 'Connecting to Slipstream…';
  return (
    <div className={text ? 'banner' : 'banner banner-empty'} aria-live="assertive">
      {text}
    </div>
  );
}
