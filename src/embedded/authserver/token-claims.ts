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

type JwtCustomizer = NonNullable<NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']>;

export const auth0JwtCustomizer: JwtCustomizer = (_ctx, token, jwt) => {
  const clientId = token.clientId;
  jwt.payload.azp = clientId;
  if (token.kind === 'ClientCredentials') jwt.payload.sub = `${clientId}@clients`;
};
