import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { loadNamedSecret, secretFile } from '../../store/sqlite/secrets.js';

export { loadNamedSecret } from '../../store/sqlite/secrets.js';

/**
 * The embedded authorization server's keys, each a 0600 file in the deployment's key directory
 * (`<dataDir>/keys`, beside the database, never inside it), generated on first start.
 */
const SIGNING_KEY = 'authserver.signing-key.rs256';
const COOKIE_KEY = 'authserver.cookie-key';
const CSRF_KEY = 'authserver.csrf-key';

/**
 * The deployment's RS256 signing key (private JWK with kid/alg/use, as JSON), generated on first start
 * and persisted, so tokens stay verifiable across restarts. Never oidc-provider's built-in development keys.
 */
export async function loadSigningJwks(keyDir: string): Promise<{ keys: JWK[] }> {
  // Key generation is async and the file is created synchronously: generate first, the first writer wins.
  const candidate = existsSync(secretFile(keyDir, SIGNING_KEY)) ? undefined : JSON.stringify(await generateSigningJwk());
  const stored = loadNamedSecret(keyDir, SIGNING_KEY, () => candidate ?? '');
  return { keys: [JSON.parse(stored) as JWK] };
}

async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg: 'RS256', use: 'sig' };
}

/** Keys that sign oidc-provider's cookies (session, interaction). */
export function loadCookieKeys(keyDir: string): string[] {
  return [loadNamedSecret(keyDir, COOKIE_KEY)];
}

/** Key for the per-interaction CSRF tokens of our login and consent forms. */
export function loadCsrfKey(keyDir: string): string {
  return loadNamedSecret(keyDir, CSRF_KEY);
}

/** The client secret of Gatehouse's own confidential client at the embedded server. */
export function loadServerClientSecret(keyDir: string): string {
  return loadNamedSecret(keyDir, 'authserver.server-client-secret');
}

/** The client secret of the Custom API Client (the Token Vault exchange) at the embedded server. */
export function loadCustomApiClientSecret(keyDir: string): string {
  return loadNamedSecret(keyDir, 'authserver.custom-api-client-secret');
}
