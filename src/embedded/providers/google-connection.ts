import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import { getOrCreateSecret } from '../../store/sqlite/secrets.js';
import { upstreamCallbackUrl } from '../authserver/connect-redirects.js';
import type { FederatedConnection } from '../authserver/federated-connections.js';
import type { DemoProviders } from './index.js';

const CLIENT_ID = 'gatehouse-token-vault.apps.googleusercontent.example';

/**
 * The `google-oauth2` connection of the embedded authorization server, pointing at the demo provider,
 * and the matching client registration at the provider (once the authorization server's issuer is known).
 */
export function demoGoogleConnection(providers: DemoProviders, db: SqliteDatabase): { connection: FederatedConnection; register(issuer: string): void } {
  const clientSecret = getOrCreateSecret(db, 'providers.google-client-secret', () => randomBytes(32).toString('base64url'));
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

export const providerTokenKey = (db: SqliteDatabase) => getOrCreateSecret(db, 'providers.token-key', () => randomBytes(32).toString('base64url'));
