import type { ClientMetadata } from 'oidc-provider';

/** Auth0's client grant: which scopes of which API a client may obtain with client_credentials. */
export interface ClientGrant {
  readonly audience: string;
  readonly scopes: readonly string[];
}

/**
 * A configured first-party machine-to-machine client (confidential, client_credentials only) with its
 * client grants. Dynamically registered clients never get one.
 */
export interface MachineClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly name: string;
  readonly grants: readonly ClientGrant[];
}

export const machineClientMetadata = (m: MachineClient): ClientMetadata => ({
  client_id: m.clientId,
  client_secret: m.clientSecret,
  client_name: m.name,
  token_endpoint_auth_method: 'client_secret_post',
  redirect_uris: [],
  response_types: [],
  grant_types: ['client_credentials'],
});

/** The scopes `clientId` was granted for `audience`; undefined when it has no client grant for it. */
export function clientGrantScopes(machines: readonly MachineClient[], clientId: string, audience: string): readonly string[] | undefined {
  return machines.find((m) => m.clientId === clientId)?.grants.find((g) => g.audience === audience)?.scopes;
}
