/** The Profiles section: import, then the list of imported profiles. */
import { useProfiles } from '../../hooks/useProfiles.js';
import { ImportProfile } from './ImportProfile.js';
import { ProfileRow } from './ProfileRow.js';
import './profiles.css';

export function ProfilesView() {
  const profiles = useProfiles();
  return (
    <section className="view profiles-view" aria-labelledby="profiles-heading">
      <h1 id="profiles-heading">Profiles</h1>
      <ImportProfile onImported={profiles.reload} />
      <section aria-labelledby="profile-list-heading">
        <h2 id="profile-list-heading">Your profiles</h2>
        {profiles.error && <p className="error-text">{profiles.error}</p>}
        {profiles.data === null && !profiles.error && <p className="muted">Loading…</p>}
        {profiles.data?.length === 0 && <p className="muted">No profiles yet.</p>}
        {profiles.data && profiles.data.length > 0 && (
          <ul className="profile-list" aria-labelledby="profile-list-heading">
            {profiles.data.map((p) => (
              <ProfileRow key={p.id} profile={p} onChanged={profiles.reload} />
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
