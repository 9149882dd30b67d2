import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { setPageSecurityHeaders } from '../authserver/security-headers.js';
import { signIn, type ProviderAccount } from './provider-accounts.js';
import { consentPage, errorPage } from './provider-pages.js';
import type { ProviderTokens } from './provider-tokens.js';

/** An OAuth client of the demo provider (in practice: the embedded authorization server's vault). */
export interface ProviderClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
}

export const GOOGLE_SCOPES = [
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/gmail.send',
] as const;

interface Pending {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  /** The account named by login_hint: the only one this request can sign in to. */
  hint?: string;
  expiresAt: number;
}
interface Code extends Pending {
  sub: string;
  email: string;
}

const AuthorizeQuery = z.object({
  client_id: z.string().min(1),
  redirect_uri: z.string().min(1),
  response_type: z.literal('code'),
  scope: z.string().min(1),
  state: z.string().max(512).optional(),
  login_hint: z.string().max(320).optional(),
});

const TokenRequest = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('authorization_code'), code: z.string().min(1), redirect_uri: z.string().min(1) }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1), scope: z.string().optional() }),
]);

/**
 * The demo provider's OAuth 2.0 server, shaped like Google's: /o/oauth2/v2/auth (a consent page with
 * an account chooser), /token (authorization_code, refresh_token; client_secret_post or basic),
 * /v1/userinfo. Unknown clients and redirect URIs get an error page, never a redirect.
 */
export function providerOAuthRouter(deps: { accounts: readonly ProviderAccount[]; tokens: ProviderTokens; clients: Map<string, ProviderClient> }): Router {
  const router = express.Router();
  const pending = new Map<string, Pending>();
  const codes = new Map<string, Code>();
  const known = new Set<string>(GOOGLE_SCOPES);

  router.get('/o/oauth2/v2/auth', (req, res) => {
    setPageSecurityHeaders(res);
    // Browsers send `Origin: null` with a form posted from a no-referrer page; same-origin keeps the
    // page's own origin on its form post (checked by the port's Origin rule) and still sends nothing
    // to other origins.
    res.setHeader('Referrer-Policy', 'same-origin');
    const q = AuthorizeQuery.safeParse(req.query);
    const client = q.success ? deps.clients.get(q.data.client_id) : undefined;
    if (!q.success || !client || !client.redirectUris.includes(q.data.redirect_uri)) {
      res.status(400).type('html').send(errorPage('Error 400: invalid_request. The request is malformed or names an unknown client or redirect URI.'));
      return;
    }
    const scopes = q.data.scope.split(' ').filter(Boolean);
    if (scopes.some((s) => !known.has(s))) {
      res.status(400).type('html').send(errorPage('Error 400: invalid_scope. Some requested scopes are not valid.'));
      return;
    }
    prune(pending);
    const requestId = randomBytes(16).toString('base64url');
    const hinted = deps.accounts.find((a) => a.email === q.data.login_hint);
    pending.set(requestId, { clientId: client.clientId, redirectUri: q.data.redirect_uri, scope: scopes.join(' '), state: q.data.state, hint: hinted?.email, expiresAt: Date.now() + 10 * 60_000 });
    res.type('html').send(consentPage({ requestId, clientName: client.name, scopes, account: hinted }));
  });

  router.post('/o/oauth2/v2/auth/decision', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    setPageSecurityHeaders(res);
    const id = typeof req.body?.request === 'string' ? req.body.request : '';
    const p = pending.get(id);
    pending.delete(id);
    if (!p || p.expiresAt < Date.now()) {
      res.status(400).type('html').send(errorPage('This request has expired. Start again from the application.'));
      return;
    }
    const target = new URL(p.redirectUri);
    if (p.state !== undefined) target.searchParams.set('state', p.state);
    if (req.body?.decision !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      res.redirect(303, target.href);
      return;
    }
    // Allowing signs in: the hinted account (when there is one) and its password, or nothing.
    const email = typeof req.body?.account === 'string' ? req.body.account : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const account = p.hint === undefined || p.hint === email ? signIn(deps.accounts, email, password) : undefined;
    if (!account) {
      res.status(403).type('html').send(errorPage('Wrong account or password. Start again from the application.'));
      return;
    }
    const code = `4/${randomBytes(24).toString('base64url')}`;
    codes.set(code, { ...p, sub: account.sub, email: account.email, expiresAt: Date.now() + 60_000 });
    target.searchParams.set('code', code);
    target.searchParams.set('scope', p.scope);
    res.redirect(303, target.href);
  });

  router.post('/token', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    res.set('Cache-Control', 'no-store');
    const client = authenticateClient(req, deps.clients);
    if (!client) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
    const body = TokenRequest.safeParse(req.body);
    if (!body.success) return oauthError(res, 400, 'invalid_request', 'Invalid token request.');
    if (body.data.grant_type === 'authorization_code') {
      const code = codes.get(body.data.code);
      codes.delete(body.data.code);
      if (!code || code.expiresAt < Date.now() || code.clientId !== client.clientId || code.redirectUri !== body.data.redirect_uri) {
        return oauthError(res, 400, 'invalid_grant', 'Malformed auth code.');
      }
      const grant = { sub: code.sub, email: code.email, scope: code.scope, client: client.clientId };
      const access = deps.tokens.issue('a', grant);
      res.json({ access_token: access.token, expires_in: access.expiresIn, refresh_token: deps.tokens.issue('r', grant).token, scope: code.scope, token_type: 'Bearer' });
      return;
    }
    const refresh = deps.tokens.verify('r', body.data.refresh_token);
    if (!refresh || refresh.client !== client.clientId) return oauthError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
    const granted = refresh.scope.split(' ');
    const asked = body.data.scope?.split(' ').filter(Boolean) ?? granted;
    if (asked.some((s) => !granted.includes(s))) return oauthError(res, 400, 'invalid_scope', 'Some requested scopes were not granted.');
    const access = deps.tokens.issue('a', { sub: refresh.sub, email: refresh.email, scope: asked.join(' '), client: client.clientId });
    res.json({ access_token: access.token, expires_in: access.expiresIn, scope: asked.join(' '), token_type: 'Bearer' });
  });

  router.get('/v1/userinfo', (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const p = token ? deps.tokens.verify('a', token) : undefined;
    if (!p) {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
      return;
    }
    const account = deps.accounts.find((a) => a.sub === p.sub);
    res.json({ sub: p.sub, email: p.email, email_verified: true, name: account?.name });
  });

  return router;
}

function authenticateClient(req: Request, clients: Map<string, ProviderClient>): ProviderClient | undefined {
  let id: unknown = req.body?.client_id;
  let secret: unknown = req.body?.client_secret;
  const basic = /^Basic (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const [u, p] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    id = decodeURIComponent(u ?? '');
    secret = decodeURIComponent(p ?? '');
  }
  const client = typeof id === 'string' ? clients.get(id) : undefined;
  if (!client || typeof secret !== 'string') return undefined;
  const a = Buffer.from(client.clientSecret);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b) ? client : undefined;
}

function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

function prune(map: Map<string, { expiresAt: number }>): void {
  const now = Date.now();
  for (const [k, v] of map) if (v.expiresAt < now) map.delete(k);
}
