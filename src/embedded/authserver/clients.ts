import type { AllClientMetadata, ClientMetadata } from 'oidc-provider';
import { APPROVAL_DETAIL_TYPE } from '../../approvals/authorization-details.js';

/** The pre-registered public client used by `gatehouse token` and tests (headless login). */
export const CLI_CLIENT_ID = 'gatehouse-cli';
/** Loopback redirect (RFC 8252: any port matches); nothing listens there, the code is read from the redirect. */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

/** Gatehouse's own confidential client (what AUTH0_CLIENT_ID/SECRET name in production). */
export const SERVER_CLIENT_ID = 'gatehouse-server';

export interface ServerClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Grant types of the server client. Capabilities that add a grant (CIBA, token exchange) append
 * theirs here; oidc-provider refuses a client grant type whose feature is not enabled.
 */
export const SERVER_CLIENT_GRANTS: string[] = ['authorization_code', 'refresh_token', 'client_credentials', 'urn:openid:params:grant-type:ciba',
  'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token',
];

/** Loopback callback on the MCP server for browser flows the server runs itself (the connect flow). */
export const serverRedirectUris = (mcpUrl: string) => [`${new URL(mcpUrl).origin}/connect/callback`];

export const staticClients = (server: ServerClient, mcpUrl: string): ClientMetadata[] => [
  {
    client_id: server.clientId,
    client_secret: server.clientSecret,
    client_name: 'Gatehouse',
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: serverRedirectUris(mcpUrl),
    grant_types: SERVER_CLIENT_GRANTS,
    response_types: ['code'],
    // CIBA approvals (see ciba.ts, rich-authorization-requests.ts)
    backchannel_token_delivery_mode: 'poll',
    authorization_details_types: [APPROVAL_DETAIL_TYPE],
  },
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
