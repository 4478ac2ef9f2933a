/**
 * One profile in the list: what it connects to, and rename (inline: the name
 * becomes a text field) and delete (after a confirmation) buttons whose names
 * say which profile they act on.
 */
import { useState } from 'react';
import type { ProfileSummary } from '../../../../ipc/schema.js';
import { useClient } from '../../ipc/context.js';
import { useAction } from '../../hooks/useAction.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ProfileSettings } from './ProfileSettings.js';

export function ProfileRow(props: { profile: ProfileSummary; onChanged: () => void }) {
  const { profile } = props;
  const client = useClient();
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(profile.name);
  const [confirming, setConfirming] = useState(false);

  async function rename() {
    const name = draft.trim();
    if (name === '' || name === profile.name) {
      setEditing(false);
      return;
    }
    const done = await action.run(async () => {
      await client.renameProfile({ profileId: profile.id, name });
      return true;
    });
    if (done) {
      setEditing(false);
      props.onChanged();
    }
  }

  async function remove() {
    setConfirming(false);
    const done = await action.run(async () => {
      await client.removeProfile({ profileId: profile.id });
      return true;
    });
    if (done) props.onChanged();
  }

  return (
    <li className="profile">
      {editing ? (
        <form
          className="rename"
          onSubmit={(e) => {
            e.preventDefault();
            void rename();
          }}
        >
          <label className="field">
            <span>New name for {profile.name}</span>
            <input
              autoFocus
              value={draft}
              maxLength={200}
              required
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setEditing(false);
              }}
            />
          </label>
          <button type="submit" className="primary" disabled={action.busy}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <h3 className="profile-name">{profile.name}</h3>
      )}
      <dl className="details compact">
        <dt>Addresses</dt>
        <dd>{profile.addresses.join(', ') || 'None'}</dd>
        <dt>Endpoints</dt>
        <dd>{profile.endpoints.join(', ') || 'None'}</dd>
        <dt>Peers</dt>
        <dd>{profile.peers}</dd>
        <dt>Full tunnel</dt>
        <dd>{profile.fullTunnel ? 'Yes' : 'No'}</dd>
      </dl>
      <ProfileSettings profile={profile} onChanged={props.onChanged} />
      {!editing && (
        <div className="button-row">
          <button
            type="button"
            aria-label={`Rename ${profile.name}`}
            onClick={() => {
              setDraft(profile.name);
              setEditing(true);
            }}
          >
            Rename
          </button>
          <button
            type="button"
            className="danger"
            aria-label={`Delete ${profile.name}`}
            disabled={action.busy}
            onClick={() => setConfirming(true)}
          >
            Delete
          </button>
        </div>
      )}
      {action.error && (
        <p className="error-text" role="alert">
          {action.error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Delete ${profile.name}?`}
          message="The profile and its keys are removed from this computer. This cannot be undone."
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </li>
  );
}
