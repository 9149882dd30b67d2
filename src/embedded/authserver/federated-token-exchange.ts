import Provider, { errors } from 'oidc-provider';
import type { Logger } from '../../log.js';
import type { ConnectedAccountsStore } from './connected-accounts-store.js';
import { isCustomApiClientFor, type CustomApiClient } from './custom-api-client.js';
import { refreshUpstreamToken, UpstreamTokenError, type FederatedConnection } from './federated-connections.js';
import type { LocalTokenClaims } from './local-token-verifier.js';
import { ClientNotAuthorized } from './unauthorized-client.js';
import { FEDERATED_ACCESS_TOKEN_TYPE, FEDERATED_TOKEN_EXCHANGE_GRANT } from './federated-grant.js';

export { FEDERATED_ACCESS_TOKEN_TYPE, FEDERATED_TOKEN_EXCHANGE_GRANT } from './federated-grant.js';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token';

const PARAMS = ['subject_token', 'subject_token_type', 'requested_token_type', 'connection', 'login_hint', 'scope'];

export interface FederatedTokenExchangeDeps {
  readonly store: ConnectedAccountsStore;
  readonly connections: ReadonlyMap<string, FederatedConnection>;
  /** The audiences whose access tokens may be exchanged (the MCP resource). */
  readonly subjectAudience: string;
  readonly verify: (token: string, audience: string) => Promise<LocalTokenClaims | undefined>;
  /** The only client that may present an access token as subject (linked to subjectAudience). */
  readonly customApiClient: CustomApiClient;
  readonly logger: Logger;
}

/**
 * Auth0's Token Vault grant. A confidential client presents a user's token and a connection name, and
 * receives a short-lived provider access token, refreshed from the stored (sealed) provider refresh
 * token. As on Auth0: an access token as subject (signature, issuer, `aud` = the API, expiry checked) is
 * accepted only from the Custom API Client linked to that API; a refresh token as subject only from
 * the client it was issued to; any other client is 403 `unauthorized_client`. No connected account:
 * HTTP 401 `federated_connection_refresh_token_not_found`.
 */
export function registerFederatedTokenExchange(provider: Provider, deps: FederatedTokenExchangeDeps): void {
  provider.registerGrantType(FEDERATED_TOKEN_EXCHANGE_GRANT, async (ctx) => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const clientId = ctx.oidc.client!.clientId;
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE && params.subject_token_type !== REFRESH_TOKEN_TYPE) throw new errors.InvalidRequest('unsupported subject_token_type');
    if (params.requested_token_type !== undefined && params.requested_token_type !== FEDERATED_ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest('unsupported requested_token_type');
    }
    if (!params.subject_token) throw new errors.InvalidRequest('missing subject_token');
    const conn = params.connection ? deps.connections.get(params.connection) : undefined;
    if (!conn) throw new errors.InvalidRequest('unknown connection');
    let sub: string | undefined;
    if (params.subject_token_type === ACCESS_TOKEN_TYPE) {
      if (!isCustomApiClientFor(deps.customApiClient, clientId, deps.subjectAudience)) {
        throw new ClientNotAuthorized('Token exchange with an access token as subject_token is only allowed for the Custom API Client of the API.');
      }
      sub = (await deps.verify(params.subject_token, deps.subjectAudience))?.sub;
    } else {
      sub = await refreshTokenSubject(provider, params.subject_token, clientId);
    }
    if (!sub) throw new errors.InvalidGrant('invalid subject_token');
    const subject = { sub };

    const account = deps.store.find(subject.sub, conn.name);
    if (!account || (params.login_hint !== undefined && params.login_hint !== account.providerSubject)) {
      ctx.status = 401;
      ctx.body = { error: 'federated_connection_refresh_token_not_found', error_description: 'Federated connection Refresh Token not found.' };
      return;
    }
    try {
      const upstream = await refreshUpstreamToken(conn, account.refreshToken);
      deps.logger.info({ event: 'federated_token_exchange', sub: subject.sub, connection: conn.name, client_id: ctx.oidc.client!.clientId }, 'token vault: exchange');
      ctx.body = {
        access_token: upstream.access_token,
        expires_in: upstream.expires_in ?? 3600,
        scope: upstream.scope ?? account.scopes.join(' '),
        issued_token_type: FEDERATED_ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
      };
    } catch (err) {
      if (!(err instanceof UpstreamTokenError)) throw err;
      if (err.kind === 'revoked') {
        ctx.status = 401;
        ctx.body = { error: 'federated_connection_refresh_token_not_found', error_description: 'Federated connection Refresh Token not found.' };
      } else {
        ctx.status = 503;
        ctx.body = { error: 'temporarily_unavailable', error_description: 'The identity provider could not be reached.' };
      }
    }
  }, PARAMS);
}

/** The user of a refresh token this server issued to `clientId`, still valid; undefined otherwise. */
async function refreshTokenSubject(provider: Provider, token: string, clientId: string): Promise<string | undefined> {
  const rt = await provider.RefreshToken.find(token, { ignoreExpiration: false });
  if (!rt || rt.isExpired || rt.consumed || rt.clientId !== clientId || !rt.accountId) return undefined;
  return rt.accountId;
}
