import type { AllClientMetadata, ClientMetadata } from 'oidc-provider';

/** The pre-registered public client used by `gatehouse token` and tests (headless login). */
export const CLI_CLIENT_ID = 'gatehouse-cli';
/** Loopback redirect (RFC 8252: any port matches); nothing listens there, the code is read from the redirect. */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

export const staticClients: ClientMetadata[] = [
  {
    client_id: CLI_CLIENT_ID,
    client_name: 'Gatehouse CLI',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: [CLI_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  },
];

/**
 * Defaults for dynamically registered clients: MCP clients are public clients using authorization code
 * + PKCE and refresh tokens. Confidential clients (client_credentials) say so in their registration.
 */
export const clientDefaults: AllClientMetadata = {
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  id_token_signed_response_alg: 'RS256',
};
