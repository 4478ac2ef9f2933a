// Routes one HTTPS server's requests: the OpenID Provider under /oidc, the sign-in pages,
// the discovery document, the provisioning API and the admin API. Logs one line per request
// (method, path without query, status) — never headers or bodies, which carry tokens.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { HttpError, sendError, sendJson } from './http.js';
import { errorMessage, log } from './log.js';
import { messagePage, sendHtml } from './pages.js';
import { CLIENT_ID, SCOPES } from './provider.js';

export const OIDC_PREFIX = '/oidc';
export const API_PREFIX = '/api/v1';

type Handler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<unknown>;

export interface Routes {
  baseUrl: string;
  provider: Provider;
  interactions: Handler;
  api: Handler;
  admin: Handler;
}

/**
 * oidc-provider drops `offline_access` unless the request also says prompt=consent (OIDC
 * Core §11). This client always gets a consent step (oidc-provider requires one for every
 * native-client sign-in), so the rule is met in effect; adding the prompt here lets clients
 * that simply ask for offline_access — as the provisioning spec says — get a refresh token.
 */
function withConsentForOfflineAccess(url: URL): void {
  const scopes = (url.searchParams.get('scope') ?? '').split(' ');
  if (url.pathname === `${OIDC_PREFIX}/auth` && scopes.includes('offline_access')) {
    const prompt = new Set((url.searchParams.get('prompt') ?? '').split(' ').filter(Boolean));
    if (!prompt.has('none')) {
      prompt.add('consent');
      url.searchParams.set('prompt', [...prompt].join(' '));
    }
  }
}

export function portalRequestHandler(r: Routes) {
  const callback = r.provider.callback();
  const discovery = {
    issuer: r.provider.issuer,
    client_id: CLIENT_ID,
    scopes: SCOPES,
    api: `${r.baseUrl}${API_PREFIX}`,
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname;
    if (path === OIDC_PREFIX || path.startsWith(`${OIDC_PREFIX}/`)) {
      withConsentForOfflineAccess(url);
      // Mounted under a prefix: oidc-provider finds its mount path from originalUrl.
      const rest = `${path.slice(OIDC_PREFIX.length) || '/'}${url.search}`;
      Object.assign(req, { originalUrl: `${OIDC_PREFIX}${rest}`, url: rest });
      return callback(req, res);
    }
    if (path === '/.well-known/slipstream-configuration') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'invalid_request', 'Use GET here.');
      }
      return sendJson(res, 200, discovery);
    }
    if (path.startsWith(`${API_PREFIX}/`)) return r.api(req, res, path.slice(API_PREFIX.length));
    if (path.startsWith('/admin/')) return r.admin(req, res, path.slice('/admin'.length));
    if (path.startsWith('/interaction/')) return r.interactions(req, res, path);
    if (path === '/') {
      return sendHtml(
        res,
        200,
        messagePage(
          'Slipstream sign-in portal',
          'Development portal. Sign in from the Slipstream app with this address.',
        ),
      );
    }
    throw new HttpError(404, 'not_found', 'Not found.');
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', r.baseUrl);
    const path = url.pathname;
    res.on('finish', () => {
      log('info', 'request', {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Date.now() - started,
      });
    });
    route(req, res, url).catch((e: unknown) => {
      if (res.headersSent) {
        log('error', 'request failed after the answer started', { path, error: errorMessage(e) });
        res.destroy();
        return;
      }
      if (e instanceof HttpError) return sendError(res, e);
      log('error', 'request failed', { method: req.method, path, error: errorMessage(e) });
      if (path.startsWith('/interaction/')) {
        return sendHtml(
          res,
          500,
          messagePage('Something went wrong', 'The portal could not complete the sign-in.'),
        );
      }
      sendError(res, new HttpError(500, 'server_error', 'Something went wrong on the portal.'));
    });
  };
}
