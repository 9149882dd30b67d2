import { errors, type Configuration } from 'oidc-provider';

/** What a third-party (dynamically registered) client may use, as on Auth0: authorization code + PKCE, refresh tokens. */
export const THIRD_PARTY_GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];

/**
 * Registration rules for clients that are not configured (third-party, as every DCR client on Auth0):
 * grant types limited to THIRD_PARTY_GRANT_TYPES, so no client_credentials, CIBA, Token Vault exchange
 * or anything else — checked at registration and again whenever a stored client is loaded.
 *
 * Registered clients are not limited to the `scope` they registered with. MCP clients register with
 * the scopes of their first 401 challenge; a later 403 step-up must be able to ask for more, and the
 * user decides on the consent page (as on Auth0, where the API's third-party default permissions, not
 * the client's registration, bound what may be granted: see resource-indicators.ts). oidc-provider
 * would otherwise answer `invalid_scope`. A registration naming a scope this server does not know is
 * still refused.
 */
export function clientScopePolicy(supported: readonly string[], firstParty: ReadonlySet<string>): NonNullable<Configuration['extraClientMetadata']> {
  const known = new Set(supported);
  const allowedGrants = new Set(THIRD_PARTY_GRANT_TYPES);
  return {
    properties: ['gatehouse_scope_policy'],
    validator(_ctx, key, _value, metadata) {
      if (key !== 'gatehouse_scope_policy') return;
      const m = metadata as { client_id?: unknown; grant_types?: unknown; scope?: unknown; gatehouse_scope_policy?: unknown };
      delete m.gatehouse_scope_policy;
      if (typeof m.client_id === 'string' && firstParty.has(m.client_id)) return;
      const grants = Array.isArray(m.grant_types) ? (m.grant_types as unknown[]) : [];
      if (grants.some((g) => typeof g !== 'string' || !allowedGrants.has(g))) {
        throw new errors.InvalidClientMetadata('grant_types of a third-party client may only contain authorization_code and refresh_token');
      }
      if (m.scope !== undefined) {
        if (typeof m.scope !== 'string' || m.scope.split(' ').some((s) => s && !known.has(s))) {
          throw new errors.InvalidClientMetadata('scope must only contain Authorization Server supported scope values');
        }
        delete m.scope;
      }
    },
  };
}
