// The provider's user interactions: the sign-in form (a real HTML form the browser posts)
// and consent. Slipstream is the organisation's own app, so consent is granted without a
// page: oidc-provider asks for consent on every sign-in of a native client, and the user
// already agreed by signing in to the app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionDetails, InteractionResult } from 'oidc-provider';
import { readForm } from './http.js';
import { errorMessage, log } from './log.js';
import { loginPage, messagePage, sendHtml } from './pages.js';
import type { Users } from './users.js';

const WRONG_CREDENTIALS = 'Wrong username or password.';
const CLIENT_NAME = 'Slipstream';

export function interactionHandler(provider: Provider, users: Users) {
  const finish = async (
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    merge = true,
  ) => {
    const returnTo = await provider.interactionResult(req, res, result, {
      mergeWithLastSubmission: merge,
    });
    res.writeHead(303, { Location: returnTo, 'Cache-Control': 'no-store' });
    res.end();
  };

  const consent = async (req: IncomingMessage, res: ServerResponse, d: InteractionDetails) => {
    const accountId = d.session?.accountId;
    if (!accountId) throw new Error('consent prompt without a signed-in account');
    const missing = d.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const existing = d.grantId ? await provider.Grant.find(d.grantId) : undefined;
    const grant =
      existing ?? new provider.Grant({ accountId, clientId: String(d.params.client_id) });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finish(req, res, { consent: existing ? {} : { grantId } });
  };

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login|\/abort)?$/.exec(path);
    if (!m) return false;
    const [, uid, action] = m;
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) throw new Error('interaction cookie is for another sign-in');
    } catch (e) {
      log('warn', 'sign-in page without a valid interaction', { error: errorMessage(e) });
      sendHtml(
        res,
        400,
        messagePage(
          'Sign-in expired',
          'This sign-in page is no longer valid. Start signing in again from the Slipstream app.',
        ),
      );
      return true;
    }
    const prompt = details.prompt.name;

    if (req.method === 'GET' && action === undefined) {
      if (prompt === 'consent') await consent(req, res, details);
      else sendHtml(res, 200, loginPage({ uid: details.uid, clientName: CLIENT_NAME }));
      return true;
    }
    if (req.method === 'POST' && action === '/abort') {
      log('info', 'sign-in cancelled');
      await finish(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
        false,
      );
      return true;
    }
    if (req.method === 'POST' && action === '/login' && prompt === 'login') {
      const form = await readForm(req);
      const username = (form.get('username') ?? '').trim();
      const user = users.authenticate(username, form.get('password') ?? '');
      if (!user) {
        log('warn', 'sign-in failed', { user: username.slice(0, 64) });
        sendHtml(
          res,
          200,
          loginPage({
            uid: details.uid,
            clientName: CLIENT_NAME,
            username,
            error: WRONG_CREDENTIALS,
          }),
        );
        return true;
      }
      log('info', 'signed in', { user: user.id });
      await finish(req, res, { login: { accountId: user.id } });
      return true;
    }
    sendHtml(res, 405, messagePage('Not allowed', 'This page cannot be used that way.'));
    return true;
  };
}
