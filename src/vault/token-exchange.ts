import * as oidc from 'openid-client';
import { GatehouseError, VaultUnavailableError } from '../errors.js';
import { createUpstream, DEFAULT_UPSTREAM_SETTINGS, type Upstream } from '../resilience/upstream.js';

export const FEDERATED_GRANT = 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const FEDERATED_TOKEN = 'http://auth0.com/oauth/token-type/federated-connection-access-token';

/** Auth0 answers these when the user has no (usable) connected account for the connection. */
const NOT_CONNECTED = new Set(['federated_connection_refresh_token_not_found', 'tokenset_not_found']);

export interface ExchangedToken {
  readonly accessToken: string;
  /** Seconds; absent means "do not cache". */
  readonly expiresIn?: number;
  /** Scopes the provider granted, when the vault says (Auth0 does). */
  readonly scopes?: readonly string[];
}

/** The vault holds no account for this user and connection (an outcome, not a failure). */
export class ConnectionNotFound extends Error {
  override name = 'ConnectionNotFound';
}

export type TokenExchange = (subjectToken: string, connection: string) => Promise<ExchangedToken>;

/**
 * Auth0's federated connection token exchange with openid-client: the caller's access token is the
 * subject_token, Gatehouse's Custom API Client (linked to the MCP API, as Auth0 requires) authenticates. Outcomes stay distinct: no connected
 * account (ConnectionNotFound), the vault down or refusing (VaultUnavailableError, fixed texts).
 */
export function federatedTokenExchange(client: () => Promise<oidc.Configuration>, upstream: Upstream = createUpstream('vault', 'the token vault', DEFAULT_UPSTREAM_SETTINGS.vault)): TokenExchange {
  return async (subjectToken, connection) => {
    try {
      // Discovery and the grant share one deadline; "not connected" and a refusal show the vault is up.
      return await upstream.run(
        async () => {
          const config = await client().catch((e: unknown) => {
            throw new VaultUnavailableError('The token vault (authorization server) cannot be reached; the tool was not run. Try again later.', { cause: e });
          });
          const r = await oidc.genericGrantRequest(config, FEDERATED_GRANT, {
            subject_token: subjectToken,
            subject_token_type: ACCESS_TOKEN,
            requested_token_type: FEDERATED_TOKEN,
            connection,
          });
          return { accessToken: r.access_token, expiresIn: r.expires_in, scopes: typeof r.scope === 'string' ? r.scope.split(' ').filter(Boolean) : undefined };
        },
        { isFailure: (e) => !(e instanceof oidc.ResponseBodyError && e.status < 500 && e.status !== 429 && e.error !== 'temporarily_unavailable') },
      );
    } catch (e) {
      if (e instanceof GatehouseError) throw e;
      if (e instanceof oidc.ResponseBodyError) {
        if (NOT_CONNECTED.has(e.error)) throw new ConnectionNotFound(e.error, { cause: e });
        if (e.status >= 500 || e.status === 429 || e.error === 'temporarily_unavailable') {
          throw new VaultUnavailableError('The token vault is temporarily unavailable; the tool was not run. Try again later.', { cause: e });
        }
        const code = /^[a-z_]{1,64}$/.test(e.error) ? e.error : 'error';
        throw new VaultUnavailableError(`The token vault refused the token exchange (${code}); the tool was not run. Check the server's Token Vault configuration.`, { cause: e });
      }
      throw new VaultUnavailableError('The token vault (authorization server) cannot be reached; the tool was not run. Try again later.', { cause: e });
    }
  };
}
