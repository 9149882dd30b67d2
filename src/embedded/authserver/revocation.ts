import { errors, type Configuration } from 'oidc-provider';

type Revocation = NonNullable<NonNullable<Configuration['features']>['revocation']>;

/** RFC 7009 revocation: a client may revoke only its own tokens (a public client's other attempts are ignored). */
export const revocation: Revocation = {
  enabled: true,
  allowedPolicy: (_ctx, client, token) => {
    if (token.clientId === client.clientId) return true;
    if (client.clientAuthMethod === 'none') return false;
    throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
  },
};
