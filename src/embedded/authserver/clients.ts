import type { AllClientMetadata, ClientMetadata } from 'oidc-provider';
import { APPROVAL_DETAIL_TYPE } from '../../approvals/authorization-details.js';
import { customApiClientMetadata, type CustomApiClient } from './custom-api-client.js';
import { machineClientMetadata, type MachineClient } from './client-grants.js';
import { FEDERATED_TOKEN_EXCHANGE_GRANT } from './federated-grant.js';

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
 * Grant types of the server client (a Regular Web Application on Auth0): the connect login, CIBA
 * approvals, and the Token Vault exchange of its own refresh tokens. No client_credentials: that needs a
 * client grant (client-grants.ts). An access token as subject is for the Custom API Client only.
 */
export const SERVER_CLIENT_GRANTS: string[] = ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba', FEDERATED_TOKEN_EXCHANGE_GRANT];

/** Loopback callback on the MCP server for browser flows the server runs itself (the connect flow). */
export const serverRedirectUris = (mcpUrl: string) => [`${new URL(mcpUrl).origin}/connect/callback`];

export interface FirstPartyClients {
  readonly server: ServerClient;
  readonly customApi: CustomApiClient;
  readonly machines: readonly MachineClient[];
}

/** First-party clients are configured, never registered (as on Auth0, where DCR creates third-party applications). */
export const staticClients = (clients: FirstPartyClients, mcpUrl: string): ClientMetadata[] => [
  {
    client_id: clients.server.clientId,
    client_secret: clients.server.clientSecret,
    client_name: 'Gatehouse',
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: serverRedirectUris(mcpUrl),
    grant_types: SERVER_CLIENT_GRANTS,
    response_types: ['code'],
    // CIBA approvals (see ciba.ts, rich-authorization-requests.ts)
    backchannel_token_delivery_mode: 'poll',
    authorization_details_types: [APPROVAL_DETAIL_TYPE],
  },
  customApiClientMetadata(clients.customApi),
  {
    client_id: CLI_CLIENT_ID,
    client_name: 'Gatehouse CLI',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: [CLI_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  },
  ...clients.machines.map(machineClientMetadata),
];

/** The ids of the configured (first-party) clients; every other client was registered and is third-party. */
export const firstPartyClientIds = (clients: FirstPartyClients): ReadonlySet<string> =>
  new Set([clients.server.clientId, clients.customApi.clientId, CLI_CLIENT_ID, ...clients.machines.map((m) => m.clientId)]);

/**
 * Defaults for dynamically registered clients: MCP clients are public clients using authorization code
 * + PKCE (and refresh tokens when they ask for offline_access). Nothing else is open to them.
 */
export const clientDefaults: AllClientMetadata = {
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  id_token_signed_response_alg: 'RS256',
};
