/**
 * The Status section: what the tunnel is doing, the profile to use, and the
 * buttons that change it. Only the status word is a live region, so screen
 * readers announce "Connected" but not every byte counter update.
 */
import { useEffect, useState } from 'react';
import { useClient } from '../../ipc/context.js';
import { useAction } from '../../hooks/useAction.js';
import { useProfiles } from '../../hooks/useProfiles.js';
import { useTunnelState } from '../../hooks/useTunnelState.js';
import { AccountPanel } from './AccountPanel.js';
import { StateDetails } from './StateDetails.js';
import { isActive, isBlockedWithoutTunnel, statusLabel } from './status-label.js';
import { ThroughputGraph } from './ThroughputGraph.js';
import './status.css';

export function StatusView() {
  const client = useClient();
  const tunnel = useTunnelState();
  const profiles = useProfiles();
  const action = useAction();
  const { state } = tunnel;
  const list = profiles.data ?? [];
  const [chosen, setChosen] = useState<string>('');

  // Follow the profile the app is using; otherwise keep the user's choice, or the first.
  const stateProfile = state && state.status !== 'signed-out' ? state.profileId : null;
  useEffect(() => {
    if (stateProfile) setChosen(stateProfile);
  }, [stateProfile]);
  const selected = list.some((p) => p.id === chosen) ? chosen : (list[0]?.id ?? '');

  const active = isActive(state);
  const canConnect =
    state !== null && !active && state.status !== 'signed-out' && selected !== '' && !action.busy;
  const profileName = (id: string | null) => list.find((p) => p.id === id)?.name ?? null;

  return (
    <section className="view status-view" aria-labelledby="status-heading">
      <h1 id="status-heading">Status</h1>
      <div className={`state-card state-${state?.status ?? 'unknown'}`}>
        <p className="state-line">
          <span className="state-dot" aria-hidden="true" />
          <span role="status" aria-live="polite" className="state-word">
            {state ? statusLabel(state) : 'Loading…'}
          </span>
        </p>
        {state && (
          <StateDetails state={state} receivedAt={tunnel.receivedAt} profileName={profileName} />
        )}
        {tunnel.error && <p className="error-text">{tunnel.error}</p>}
        {state?.status === 'error' && (
          <div className="button-row">
            {state.profileId !== null && (
              <button
                type="button"
                className="primary"
                disabled={action.busy}
                onClick={() => {
                  const profileId = state.profileId;
                  if (profileId !== null) void action.run(() => client.connect({ profileId }));
                }}
              >
                Retry
              </button>
            )}
            <button
              type="button"
              disabled={action.busy}
              onClick={() => void action.run(() => client.dismissError({}))}
            >
              Dismiss
            </button>
          </div>
        )}
      </div>

      <div className="controls">
        <label className="field">
          <span>Profile</span>
          <select
            value={selected}
            disabled={active || list.length === 0}
            onChange={(e) => setChosen(e.target.value)}
          >
            {list.length === 0 && <option value="">No profiles yet</option>}
            {list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <div className="button-row">
          <button
            type="button"
            className="primary"
            disabled={!canConnect}
            onClick={() => void action.run(() => client.connect({ profileId: selected }))}
          >
            Connect
          </button>
          <button
            type="button"
            // Not blocked by a pending Connect: disconnecting is how one cancels it. It also
            // lifts a kill switch an earlier run left blocking, and is the way out of an error.
            disabled={!active && state?.status !== 'error' && !isBlockedWithoutTunnel(state)}
            onClick={() => void action.run(() => client.disconnect({}))}
          >
            Disconnect
          </button>
        </div>
        {profiles.data?.length === 0 && (
          <p className="muted">Import a WireGuard profile in Profiles to connect.</p>
        )}
        {profiles.error && <p className="error-text">{profiles.error}</p>}
        {action.error && (
          <p className="error-text" role="alert">
            {action.error}
          </p>
        )}
      </div>

      {state?.status === 'connected' && <ThroughputGraph samples={tunnel.samples} />}

      <AccountPanel />
    </section>
  );
}
