import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { sha256, type ConnectedAccountsStore } from './connected-accounts-store.js';
import type { FederatedConnection } from './federated-connections.js';
import { problem, readJsonBody, sendJson } from './json-body.js';
import type { LocalTokenClaims } from './local-token-verifier.js';

export const MY_ACCOUNT_SCOPES = ['create:me:connected_accounts', 'read:me:connected_accounts', 'delete:me:connected_accounts'] as const;
/** The My Account API audience: `<issuer>/me/`, as Auth0's `https://{domain}/me/`. */
export const myAccountAudience = (issuer: string) => new URL('/me/', issuer).href;

const SESSION_TTL_SECONDS = 600;

const ConnectBody = z.object({
  connection: z.string().min(1).max(128),
  redirect_uri: z.url(),
  state: z.string().min(8).max(512),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43,128}$/),
  code_challenge_method: z.literal('S256'),
  scopes: z.array(z.string().min(1).max(256)).max(50).optional(),
  authorization_params: z.record(z.string(), z.string()).optional(),
});
const CompleteBody = z.object({
  auth_session: z.string().min(1).max(128),
  connect_code: z.string().min(1).max(256),
  redirect_uri: z.url(),
  code_verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
});

export interface MyAccountDeps {
  readonly provider: Provider;
  readonly issuer: string;
  readonly store: ConnectedAccountsStore;
  readonly connections: ReadonlyMap<string, FederatedConnection>;
  readonly verify: (token: string, audience: string) => Promise<LocalTokenClaims | undefined>;
  readonly logger: Logger;
}

const PREFIX = '/me/v1/connected-accounts/';

/**
 * The My Account API's connected-accounts subset: POST connect -> {connect_uri, connect_params.ticket,
 * auth_session, expires_in}; POST complete -> the connected account; GET accounts; DELETE accounts/{id}.
 * Bearer tokens must have audience `<issuer>/me/` and the scope of the operation.
 */
export async function handleMyAccountApi(deps: MyAccountDeps, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!path.startsWith(PREFIX)) return false;
  const op = path.slice(PREFIX.length);
  const route =
    req.method === 'POST' && op === 'connect' ? { scope: 'create:me:connected_accounts', run: connect }
    : req.method === 'POST' && op === 'complete' ? { scope: 'create:me:connected_accounts', run: complete }
    : req.method === 'GET' && op === 'accounts' ? { scope: 'read:me:connected_accounts', run: list }
    : req.method === 'DELETE' && /^accounts\/[A-Za-z0-9_-]{1,64}$/.test(op) ? { scope: 'delete:me:connected_accounts', run: remove }
    : undefined;
  if (!route) {
    problem(res, 404, 'Not Found', 'No such endpoint.');
    return true;
  }
  const token = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const claims = token ? await deps.verify(token, myAccountAudience(deps.issuer)) : undefined;
  if (!claims) {
    problem(res, 401, 'Unauthorized', 'A valid access token for the My Account API is required.', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    return true;
  }
  if (!claims.scopes.includes(route.scope)) {
    problem(res, 403, 'Forbidden', `The access token lacks the ${route.scope} scope.`, { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${route.scope}"` });
    return true;
  }
  await route.run(deps, claims, op, req, res);
  return true;
}

type Op = (deps: MyAccountDeps, claims: LocalTokenClaims, op: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;

const connect: Op = async (deps, claims, _op, req, res) => {
  const body = ConnectBody.safeParse(await readJsonBody(req));
  if (!body.success) return problem(res, 400, 'Bad Request', 'Invalid request body.');
  const b = body.data;
  if (!deps.connections.has(b.connection)) return problem(res, 400, 'Bad Request', 'The connection does not exist or is not enabled for connected accounts.');
  const clientId = claims.azp ?? claims.client_id;
  const client = clientId ? await deps.provider.Client.find(clientId) : undefined;
  if (!client || !client.redirectUris?.includes(b.redirect_uri)) return problem(res, 400, 'Bad Request', 'The redirect_uri is not an allowed callback URL of the client.');
  const { authSession, ticket } = deps.store.createSession(
    { userSub: claims.sub, clientId: client.clientId, connection: b.connection, redirectUri: b.redirect_uri, state: b.state, codeChallenge: b.code_challenge, scopes: b.scopes ?? [] },
    SESSION_TTL_SECONDS,
  );
  deps.logger.info({ event: 'connected_account_connect', sub: claims.sub, connection: b.connection }, 'my account: connect started');
  sendJson(res, 201, { connect_uri: new URL('/connected-accounts/connect', deps.issuer).href, connect_params: { ticket }, auth_session: authSession, expires_in: SESSION_TTL_SECONDS });
};

const complete: Op = async (deps, claims, _op, req, res) => {
  const body = CompleteBody.safeParse(await readJsonBody(req));
  if (!body.success) return problem(res, 400, 'Bad Request', 'Invalid request body.');
  const b = body.data;
  const session = deps.store.session(b.auth_session);
  const refuse = () => problem(res, 400, 'Bad Request', 'The connect session is invalid, expired or does not match.');
  if (!session || !session.pending || !session.connectCodeHash) return refuse();
  const clientId = claims.azp ?? claims.client_id;
  if (session.userSub !== claims.sub || session.clientId !== clientId || session.redirectUri !== b.redirect_uri) return refuse();
  if (!equal(session.connectCodeHash, sha256(b.connect_code))) return refuse();
  const challenge = createHash('sha256').update(b.code_verifier).digest('base64url');
  if (!equal(session.codeChallenge, challenge)) return refuse();
  if (!deps.store.consumeSession(b.auth_session)) return refuse();
  const refreshToken = deps.store.open(session.pending.refreshToken, `session:${b.auth_session}`);
  const account = deps.store.save(claims.sub, session.connection, session.pending.providerSubject, session.pending.scopes, refreshToken);
  deps.logger.info({ event: 'connected_account_complete', sub: claims.sub, connection: session.connection, account: account.id }, 'my account: account connected');
  sendJson(res, 201, account);
};

const list: Op = async (deps, claims, _op, _req, res) => {
  sendJson(res, 200, { accounts: deps.store.list(claims.sub) });
};

const remove: Op = async (deps, claims, op, _req, res) => {
  const id = op.slice('accounts/'.length);
  if (!deps.store.remove(claims.sub, id)) return problem(res, 404, 'Not Found', 'The connected account does not exist.');
  deps.logger.info({ event: 'connected_account_delete', sub: claims.sub, account: id }, 'my account: account removed');
  sendJson(res, 204, undefined);
};

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
