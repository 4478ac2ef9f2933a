/**
 * The Settings section. Each control saves as soon as it changes (no Save
 * button to forget), and shows what the app answered, not what was clicked.
 */
import type { Settings } from '../../../../ipc/schema.js';
import { useAppInfo } from '../../hooks/useAppInfo.js';
import { useHelperSettings } from '../../hooks/useHelperSettings.js';
import { useSettings } from '../../hooks/useSettings.js';
import './settings.css';

const LEVELS: { value: Settings['logLevel']; label: string }[] = [
  { value: 'error', label: 'Errors only' },
  { value: 'warn', label: 'Warnings and errors' },
  { value: 'info', label: 'Information (default)' },
  { value: 'debug', label: 'Debug' },
  { value: 'trace', label: 'Trace (very verbose)' },
];

function isLevel(value: string): value is Settings['logLevel'] {
  return LEVELS.some((l) => l.value === value);
}

export function SettingsView() {
  const { settings, error, saving, update } = useSettings();
  const info = useAppInfo();
  const service = useHelperSettings();

  return (
    <section className="view settings-view" aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {settings === null ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <form className="settings-form" onSubmit={(e) => e.preventDefault()} aria-busy={saving}>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.startAtLogin}
              onChange={(e) => void update({ startAtLogin: e.target.checked })}
            />
            <span>Start at login</span>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.keepTunnelWhenWindowCloses}
              onChange={(e) => void update({ keepTunnelWhenWindowCloses: e.target.checked })}
            />
            <span>Keep the tunnel up when the window closes</span>
          </label>
          {service.helperSettings && (
            <label className="check">
              <input
                type="checkbox"
                checked={service.helperSettings.connectAtStartup}
                aria-describedby="connect-at-startup-hint"
                onChange={(e) => void service.update({ connectAtStartup: e.target.checked })}
              />
              <span>Connect at startup</span>
            </label>
          )}
          {service.helperSettings && (
            <p id="connect-at-startup-hint" className="muted">
              The Slipstream service brings the last connected profile up when it starts, before you
              sign in and without this window.
            </p>
          )}
          {service.error && (
            <p className="error-text" role="alert">
              {service.error}
            </p>
          )}
          <label className="field">
            <span>Log level</span>
            <select
              value={settings.logLevel}
              onChange={(e) => {
                if (isLevel(e.target.value)) void update({ logLevel: e.target.value });
              }}
            >
              {LEVELS.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
        </form>
      )}
      {info && (
        <section aria-labelledby="about-heading" className="about">
          <h2 id="about-heading">About</h2>
          <dl className="details compact">
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Platform</dt>
            <dd>{info.platform}</dd>
            <dt>Logs</dt>
            <dd>
              <code>{info.logDirectory}</code>
            </dd>
          </dl>
        </section>
      )}
    </section>
  );
}
