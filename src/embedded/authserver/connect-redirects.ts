import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.js';
import type { DemoUser } from '../seed/users.js';
import { randomId, sha256, type ConnectedAccountsStore } from './connected-accounts-store.js';
import { redeemUpstreamCode, upstreamSubject, type FederatedConnection } from './federated-connections.js';
import { errorPage } from './pages.js';
import { setPageSecurityHeaders } from './security-headers.js';

export interface ConnectRedirectDeps {
  readonly issuer: string;
  readonly store: ConnectedAccountsStore;
  readonly connections: ReadonlyMap<string, FederatedConnection>;
  readonly users: readonly DemoUser[];
  readonly logger: Logger;
}

/** Where the provider sends the browser back (Auth0's is also /login/callback). */
export const upstreamCallbackUrl = (issuer: string) => new URL('/login/callback', issuer).href;

/**
 * The browser half of a connected-account flow: `connect_uri?ticket=` sends the user to the provider's
 * consent (the ticket works once), and `/login/callback` redeems the provider's code, keeps the refresh
 * token sealed in the auth session and returns to the client's redirect_uri with a single-use connect_code.
 */
export async function handleConnectRedirects(deps: ConnectRedirectDeps, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || (url.pathname !== '/connected-accounts/connect' && url.pathname !== '/login/callback')) return false;
  setPageSecurityHeaders(res);
  if (url.pathname === '/connected-accounts/connect') startAtProvider(deps, url, res);
  else await returnFromProvider(deps, url, res);
  return true;
}

function startAtProvider(deps: ConnectRedirectDeps, url: URL, res: ServerResponse): void {
  const found = deps.store.sessionByTicket(url.searchParams.get('ticket') ?? '');
  const conn = found ? deps.connections.get(found.session.connection) : undefined;
  if (!found || !conn || found.session.providerState) {
    return page(res, 400, errorPage('Link expired', 'This connect link has expired or was already used. Start again from your application.'));
  }
  const { id, session } = found;
  const providerState = `${id}.${randomId(16)}`;
  deps.store.updateSession(id, { ...session, providerState });
  const existing = deps.store.find(session.userSub, session.connection)?.scopes ?? [];
  const target = new URL(conn.authorizationEndpoint);
  target.search = new URLSearchParams({
    client_id: conn.clientId,
    redirect_uri: upstreamCallbackUrl(deps.issuer),
    response_type: 'code',
    scope: [...new Set([...conn.baseScopes, ...existing, ...session.scopes])].join(' '),
    state: providerState,
    access_type: 'offline',
    prompt: 'consent',
    ...(emailOf(deps, session.userSub) ? { login_hint: emailOf(deps, session.userSub)! } : {}),
  }).toString();
  res.statusCode = 302;
  res.setHeader('Location', target.href);
  res.end();
}

async function returnFromProvider(deps: ConnectRedirectDeps, url: URL, res: ServerResponse): Promise<void> {
  const state = url.searchParams.get('state') ?? '';
  const id = state.split('.')[0] ?? '';
  const session = id ? deps.store.session(id) : undefined;
  if (!session || !session.providerState || session.connectCodeHash || !equal(session.providerState, state)) {
    return page(res, 400, errorPage('Link expired', 'This sign-in response is not valid or was already used. Start again from your application.'));
  }
  deps.store.updateSession(id, { ...session, providerState: `used:${randomId(8)}` });
  const back = new URL(session.redirectUri);
  back.searchParams.set('state', session.state);
  const code = url.searchParams.get('code');
  const conn = deps.connections.get(session.connection);
  if (!code || !conn) {
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'The user did not allow access at the provider.');
    return redirect(res, back);
  }
  try {
    const tokens = await redeemUpstreamCode(conn, code, upstreamCallbackUrl(deps.issuer));
    if (!tokens.refresh_token) throw new Error('the provider issued no refresh token');
    const providerSubject = await upstreamSubject(conn, tokens.access_token);
    const connectCode = randomId();
    deps.store.updateSession(id, {
      ...session,
      providerState: `used:${randomId(8)}`,
      connectCodeHash: sha256(connectCode),
      pending: { refreshToken: deps.store.seal(tokens.refresh_token, `session:${id}`), scopes: (tokens.scope ?? '').split(' ').filter(Boolean), providerSubject },
    });
    back.searchParams.set('connect_code', connectCode);
  } catch (err) {
    deps.logger.warn({ err: err instanceof Error ? err.message : 'error', connection: session.connection }, 'connected account: provider code exchange failed');
    back.searchParams.set('error', 'server_error');
    back.searchParams.set('error_description', 'The provider did not complete the connection.');
  }
  redirect(res, back);
}

function emailOf(deps: ConnectRedirectDeps, sub: string): string | undefined {
  return deps.users.find((u) => u.id === sub)?.email;
}

function redirect(res: ServerResponse, to: URL): void {
  res.statusCode = 302;
  res.setHeader('Location', to.href);
  res.end();
}

function page(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(body);
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
