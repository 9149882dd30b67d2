import { randomBytes } from 'node:crypto';
import { loadNamedSecret } from '../../store/sqlite/secrets.js';
import { upstreamCallbackUrl } from '../authserver/connect-redirects.js';
import type { FederatedConnection } from '../authserver/federated-connections.js';
import type { DemoProviders } from './index.js';

const CLIENT_ID = 'gatehouse-token-vault.apps.googleusercontent.example';

/**
 * The `google-oauth2` connection of the embedded authorization server, pointing at the demo provider,
 * and the matching client registration at the provider (once the authorization server's issuer is known).
 */
export function demoGoogleConnection(providers: DemoProviders, keyDir: string): { connection: FederatedConnection; register(issuer: string): void } {
  const clientSecret = loadNamedSecret(keyDir, 'providers.google-client-secret');
  return {
    connection: {
      name: 'google-oauth2',
      authorizationEndpoint: providers.authorizationEndpoint,
      tokenEndpoint: providers.tokenEndpoint,
      userinfoEndpoint: providers.userinfoEndpoint,
      clientId: CLIENT_ID,
      clientSecret,
      baseScopes: ['openid', 'email', 'profile'],
    },
    register(issuer) {
      providers.registerClient({ clientId: CLIENT_ID, clientSecret, name: 'Gatehouse (Token Vault)', redirectUris: [upstreamCallbackUrl(issuer)] });
    },
  };
}

/** HMAC key of the demo provider's self-contained tokens, a key file so they survive restarts. */
export const providerTokenKey = (keyDir: string) => loadNamedSecret(keyDir, 'providers.token-key', () => randomBytes(32).toString('base64url'));
