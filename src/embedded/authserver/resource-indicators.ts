import { errors, type Configuration } from 'oidc-provider';
import { clientGrantScopes, type MachineClient } from './client-grants.js';
import { ClientNotAuthorized } from './unauthorized-client.js';
import { SERVER_CLIENT_ID } from './clients.js';
import { MY_ACCOUNT_SCOPES, myAccountAudience } from './my-account-api.js';

export interface ResourceServerOptions {
  /** The MCP URL, exact, no trailing slash: the `aud` of access tokens. */
  readonly uri: string;
  readonly scopes: readonly string[];
  /** Filled in when a client asks for the resource without any `scope`. */
  readonly defaultScopes: readonly string[];
  readonly name?: string;
  /**
   * Auth0's "Default Permissions for Third-Party Applications": the only scopes a dynamically registered
   * client can be granted. Default: every scope of the resource.
   */
  readonly thirdPartyScopes?: readonly string[];
}

export interface ClientAccess {
  /** Ids of the configured clients; every other client is third-party. */
  readonly firstParty: ReadonlySet<string>;
  /** Configured machine clients and their client grants (the only way to client_credentials). */
  readonly machines: readonly MachineClient[];
}

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/**
 * RFC 8707 resource indicators: the one known resource (the MCP server) gets RS256 JWT access tokens
 * with `aud` = its URL. Auth0's `audience` parameter is accepted as an alias of `resource`, and a request
 * that names neither gets the MCP resource (like an Auth0 tenant's default audience).
 */
export function resourceIndicators(resource: ResourceServerOptions, accessTokenTtlSeconds: number, access: ClientAccess): ResourceIndicators {
  const thirdParty = (resource.thirdPartyScopes ?? resource.scopes).filter((s) => resource.scopes.includes(s));
  const allowedScopes = allowedScopesFor(resource, thirdParty, access);
  return {
    enabled: true,
    useGrantedResource: () => true,
    defaultResource: (ctx, _client, oneOf) => {
      if (oneOf) return oneOf;
      const audience = audienceParam(ctx);
      return audience ?? resource.uri;
    },
    getResourceServerInfo: (ctx, indicator, client) => {
      // The My Account API (`<issuer>/me/`): only for Gatehouse's own client (Auth0: "My Account API access" per application).
      if (indicator === myAccountAudience(ctx.oidc.provider.issuer) && client.clientId === SERVER_CLIENT_ID) {
        return { scope: MY_ACCOUNT_SCOPES.join(' '), audience: indicator, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      }
      if (indicator !== resource.uri) throw new errors.InvalidTarget('unknown resource');
      return {
        scope: allowedScopes(ctx, client.clientId).join(' '),
        audience: resource.uri,
        accessTokenTTL: accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}

/**
 * What this client may be granted at the resource: with client_credentials exactly its client grant
 * (none: 403 unauthorized_client); a third-party client the third-party default permissions; a
 * first-party client every scope.
 */
function allowedScopesFor(resource: ResourceServerOptions, thirdParty: readonly string[], access: ClientAccess) {
  return (ctx: { oidc: { params?: unknown } }, clientId: string): readonly string[] => {
    const grantType = (ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type;
    if (grantType === 'client_credentials') {
      const granted = clientGrantScopes(access.machines, clientId, resource.uri);
      if (!granted) throw new ClientNotAuthorized(`Client is not authorized to access "${resource.uri}". You need to create a "client-grant" associated to this API.`);
      return granted;
    }
    return access.firstParty.has(clientId) ? resource.scopes : thirdParty;
  };
}

/** `audience` is a declared extra parameter at the authorization endpoint; at the token endpoint read the body. */
function audienceParam(ctx: { oidc: { params?: unknown; body?: unknown } }): string | undefined {
  const fromParams = (ctx.oidc.params as { audience?: unknown } | undefined)?.audience;
  const fromBody = (ctx.oidc.body as { audience?: unknown } | undefined)?.audience;
  const value = fromParams ?? fromBody;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
