/** Auth0's Token Vault grant and token type (names only: importable without oidc-provider). */
export const FEDERATED_TOKEN_EXCHANGE_GRANT = 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token';
export const FEDERATED_ACCESS_TOKEN_TYPE = 'http://auth0.com/oauth/token-type/federated-connection-access-token';
