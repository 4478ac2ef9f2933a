/**
 * Everything the current TunnelState carries, for each status. Elapsed times
 * (connecting for, last handshake) keep counting locally between events.
 */
import type { TunnelState } from '../../../../ipc/schema.js';
import { formatBitRate, formatBytes } from '../../format/bytes.js';
import { formatDuration } from '../../format/duration.js';
import { useNow } from '../../hooks/useNow.js';

type Connected = Extract<TunnelState, { status: 'connected' }>;

function ConnectedDetails({ state, age }: { state: Connected; age: number }) {
  const handshake =
    state.lastHandshakeAgeMs === null
      ? 'No handshake yet'
      : `${formatDuration(state.lastHandshakeAgeMs + age)} ago`;
  return (
    <dl className="details">
      <dt>Endpoint</dt>
      <dd>{state.endpoint}</dd>
      <dt>Tunnel addresses</dt>
      <dd>{state.addresses.join(', ') || 'None'}</dd>
      <dt>Last handshake</dt>
      <dd data-testid="handshake-age" data-value={state.lastHandshakeAgeMs ?? ''}>
        {handshake}
      </dd>
      <dt>Received</dt>
      <dd>
        <span data-testid="rx-bytes" data-value={state.rxBytes}>
          {formatBytes(state.rxBytes)}
        </span>{' '}
        <span className="muted">({formatBitRate(state.rxBitsPerSecond)})</span>
      </dd>
      <dt>Sent</dt>
      <dd>
        <span data-testid="tx-bytes" data-value={state.txBytes}>
          {formatBytes(state.txBytes)}
        </span>{' '}
        <span className="muted">({formatBitRate(state.txBitsPerSecond)})</span>
      </dd>
    </dl>
  );
}

export function StateDetails(props: {
  state: TunnelState;
  receivedAt: number;
  profileName: (id: string | null) => string | null;
}) {
  const { state } = props;
  const ticking = state.status === 'connecting' || state.status === 'connected';
  const now = useNow(1000, ticking);
  // Time since the state arrived, added to the ages it reported.
  const age = Math.max(0, now - props.receivedAt);
  const name = state.status === 'signed-out' ? null : props.profileName(state.profileId);

  switch (state.status) {
    case 'signed-out':
      return <p>Sign in to your organisation's portal to use Slipstream.</p>;
    case 'disconnected':
      return (
        <>
          <p>{name ? `Not connected. Last profile: ${name}.` : 'Not connected.'}</p>
          {state.blocked && (
            <p data-testid="kill-switch-blocking">
              {state.blocked.reason} Connect to use the VPN again, or Disconnect to lift the block.
            </p>
          )}
        </>
      );
    case 'connecting':
      return (
        <p>
          Connecting to {name ?? 'the server'} for{' '}
          <span data-testid="connecting-elapsed">{formatDuration(state.sinceMs + age)}</span>.
        </p>
      );
    case 'connected':
      return (
        <>
          {name && <p>Using {name}.</p>}
          <ConnectedDetails state={state} age={age} />
        </>
      );
    case 'reconnecting':
      return (
        <>
          <p>
            The connection was interrupted ({state.reason}). Attempt {state.attempt} to restore it;
            next try in {Math.ceil(state.retryInMs / 1000)} s.
          </p>
          {state.blocking && (
            <p data-testid="kill-switch-blocking">
              The kill switch is blocking all traffic outside the tunnel until it is back.
              Disconnect to lift it.
            </p>
          )}
        </>
      );
    case 'error':
      return <p className="error-text">{state.message}</p>;
  }
}
