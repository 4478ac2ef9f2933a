/**
 * Signing in with a company account (OpenID Connect through the
 * organisation's portal). Signing in happens in the system browser, so while
 * it runs this only says so and offers Cancel; whatever ended a session
 * (expired, device removed, a failed sign-in) is shown as one sentence.
 */
import { useState, type FormEvent } from 'react';
import { useClient } from '../../ipc/context.js';
import { useAccount } from '../../hooks/useAccount.js';
import { useAction } from '../../hooks/useAction.js';

export function AccountPanel() {
  const client = useClient();
  const account = useAccount();
  const action = useAction();
  const [portal, setPortal] = useState('');
  const a = account.data;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const portalUrl = portal.trim();
    if (portalUrl) void action.run(() => client.signIn({ portalUrl }));
  };

  return (
    <section className="account-panel" aria-labelledby="account-heading">
      <h2 id="account-heading">Company account</h2>
      {a === null && <p className="muted">Loading…</p>}
      {a?.status === 'signed-out' && (
        <form className="account-form" onSubmit={submit}>
          {a.message && (
            <p className="error-text" role="alert">
              {a.message}
            </p>
          )}
          <label className="field grow">
            <span>Portal address</span>
            <input
              type="url"
              inputMode="url"
              placeholder="https://vpn.example.com"
              value={portal}
              onChange={(e) => setPortal(e.target.value)}
              required
            />
          </label>
          <button type="submit" className="primary" disabled={action.busy}>
            Sign in
          </button>
        </form>
      )}
      {a?.status === 'signing-in' && (
        <div className="account-progress">
          <p>
            Finish signing in to <strong>{a.portalUrl}</strong> in your browser.
            {a.authorizationUrl && (
              <>
                {' '}
                If no browser window opened,{' '}
                <a href={a.authorizationUrl} target="_blank" rel="noopener noreferrer">
                  open the sign-in page
                </a>
                .
              </>
            )}
          </p>
          <button
            type="button"
            disabled={action.busy}
            onClick={() => void action.run(() => client.cancelSignIn({}))}
          >
            Cancel
          </button>
        </div>
      )}
      {a?.status === 'signed-in' && (
        <div className="account-progress">
          <p>
            Signed in as <strong>{a.user}</strong> to {a.portalUrl} (this device: {a.device}).
          </p>
          {a.notice && <p className="muted">{a.notice}</p>}
          <button
            type="button"
            disabled={action.busy}
            onClick={() => void action.run(() => client.signOut({}))}
          >
            Sign out
          </button>
        </div>
      )}
      {(action.error ?? account.error) && (
        <p className="error-text" role="alert">
          {action.error ?? account.error}
        </p>
      )}
    </section>
  );
}
