/**
 * A profile's own connection settings: the kill switch (on by default for a
 * full tunnel, as WireGuard for Windows does; a choice otherwise) and allow
 * LAN. Stored with the profile by the helper, which applies them when it
 * connects. A choice equal to the default is stored as "default" (null), so
 * the profile keeps following the default rule.
 */
import {
  DEFAULT_PROFILE_SETTINGS,
  type ProfileSettings as Settings,
  type ProfileSummary,
} from '../../../../ipc/schema.js';
import { useClient } from '../../ipc/context.js';
import { useAction } from '../../hooks/useAction.js';

export function ProfileSettings(props: { profile: ProfileSummary; onChanged: () => void }) {
  const { profile } = props;
  const client = useClient();
  const action = useAction();
  const settings = profile.settings ?? DEFAULT_PROFILE_SETTINGS;
  const killSwitch = settings.killSwitch ?? profile.fullTunnel;

  async function save(patch: Partial<Settings>) {
    const done = await action.run(async () => {
      await client.setProfileSettings({ profileId: profile.id, settings: patch });
      return true;
    });
    if (done) props.onChanged();
  }

  return (
    <fieldset className="profile-settings" disabled={action.busy}>
      <legend>Connection settings for {profile.name}</legend>
      <label className="check">
        <input
          type="checkbox"
          checked={killSwitch}
          onChange={(e) =>
            void save({
              killSwitch: e.target.checked === profile.fullTunnel ? null : e.target.checked,
            })
          }
        />
        <span>
          Kill switch: block all traffic outside the tunnel while connected or reconnecting
        </span>
      </label>
      <p className="muted">
        {settings.killSwitch === null
          ? `Default for ${profile.fullTunnel ? 'a full tunnel: on' : 'a split tunnel: off'}.`
          : 'Your choice for this profile.'}
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={settings.allowLan}
          disabled={!killSwitch}
          onChange={(e) => void save({ allowLan: e.target.checked })}
        />
        <span>Allow the local network (printers, file shares) while the kill switch blocks</span>
      </label>
      <p className="muted">Changes apply the next time this profile connects.</p>
      {action.error && (
        <p className="error-text" role="alert">
          {action.error}
        </p>
      )}
    </fieldset>
  );
}
