import type { Configuration } from 'oidc-provider';
import type { DemoUser } from '../seed/users.js';

/**
 * Access-token claims shaped like Auth0's: `org_id` (Organizations) and `azp` for user tokens; for
 * client_credentials `gty: "client-credentials"` and `sub` = "<client_id>@clients".
 */
export function extraTokenClaims(users: readonly DemoUser[]): NonNullable<Configuration['extraTokenClaims']> {
  return (_ctx, token) => {
    if (token.kind === 'ClientCredentials') return { gty: 'client-credentials' };
    const user = users.find((u) => u.id === token.accountId);
    return user ? { org_id: user.orgId } : undefined;
  };
}

/**
 * The access-token profile of the API, an API setting on Auth0. `auth0` (Auth0's default): header
 * `typ: "JWT"`, no `client_id`, `aud` = [API, "<issuer>/userinfo"] when `openid` was requested.
 * `rfc9068`: header `typ: "at+jwt"` and `client_id` (RFC 9068). Both carry `azp` and `scope`.
 */
export const TOKEN_PROFILES = ['auth0', 'rfc9068'] as const;
export type TokenProfile = (typeof TOKEN_PROFILES)[number];

type JwtCustomizer = NonNullable<NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']>;

interface ScopedEntity {
  readonly scope?: string;
}

export function auth0JwtCustomizer(profile: TokenProfile): JwtCustomizer {
  return (ctx, token, jwt) => {
    const clientId = token.clientId;
    jwt.payload.azp = clientId;
    if (token.kind === 'ClientCredentials') jwt.payload.sub = `${clientId}@clients`;
    if (profile === 'rfc9068') return;
    jwt.header = { ...jwt.header, typ: 'JWT' };
    delete jwt.payload.client_id;
    const issuer = ctx?.oidc?.provider.issuer;
    if (issuer && token.kind !== 'ClientCredentials' && openidRequested(ctx.oidc.entities as Record<string, ScopedEntity | undefined>)) {
      // Auth0's issuer ends with '/', its userinfo is https://<tenant>/userinfo: one slash either way.
      const userinfo = `${issuer.replace(/\/$/, '')}/userinfo`;
      const aud = jwt.payload.aud;
      jwt.payload.aud = [...(Array.isArray(aud) ? aud : [aud]), userinfo];
    }
  };
}

/** Whether the request this token answers asked for `openid` (code, refresh token or CIBA request). */
function openidRequested(entities: Record<string, ScopedEntity | undefined>): boolean {
  const source = entities.AuthorizationCode ?? entities.RefreshToken ?? entities.BackchannelAuthenticationRequest;
  return (source?.scope ?? '').split(' ').includes('openid');
}
