import type { ClientMetadata } from 'oidc-provider';
import { FEDERATED_TOKEN_EXCHANGE_GRANT } from './federated-grant.js';

/** The Custom API Client of the MCP API (what AUTH0_CUSTOM_API_CLIENT_ID/SECRET name in production). */
export const CUSTOM_API_CLIENT_ID = 'gatehouse-custom-api';

/**
 * Auth0's Custom API Client: a confidential client created for one API (app type resource_server) and
 * linked to its identifier. Only such a client may exchange an access token for that API at the Token
 * Vault; it can do nothing else (no browser flows, no CIBA, no client_credentials).
 */
export interface CustomApiClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The identifier of the API the client is linked to (the MCP URL). */
  readonly audience: string;
}

export const customApiClientMetadata = (c: CustomApiClient): ClientMetadata => ({
  client_id: c.clientId,
  client_secret: c.clientSecret,
  client_name: 'Gatehouse (Custom API Client)',
  token_endpoint_auth_method: 'client_secret_post',
  redirect_uris: [],
  response_types: [],
  grant_types: [FEDERATED_TOKEN_EXCHANGE_GRANT],
});

/** Whether `clientId` is the Custom API Client linked to `audience`. */
export const isCustomApiClientFor = (c: CustomApiClient, clientId: string, audience: string): boolean => c.clientId === clientId && c.audience === audience;
