import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import { getOrCreateSecret } from '../../store/sqlite/secrets.js';

const SIGNING_KEY = 'authserver.signing-key.rs256';
const COOKIE_KEY = 'authserver.cookie-key';
const CSRF_KEY = 'authserver.csrf-key';

/**
 * The deployment's RS256 signing key (private JWK with kid/alg/use), generated on first start and
 * persisted, so tokens stay verifiable across restarts. Never oidc-provider's built-in development keys.
 */
export async function loadSigningJwks(db: SqliteDatabase): Promise<{ keys: JWK[] }> {
  const existing = db.prepare('SELECT value FROM secrets WHERE name = ?').get(SIGNING_KEY) as { value: string } | undefined;
  // Key generation is async and getOrCreateSecret is sync: generate first, the first writer wins.
  const candidate = existing ? undefined : JSON.stringify(await generateSigningJwk());
  const stored = getOrCreateSecret(db, SIGNING_KEY, () => candidate ?? existing!.value);
  return { keys: [JSON.parse(stored) as JWK] };
}

async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg: 'RS256', use: 'sig' };
}

/** Keys that sign oidc-provider's cookies (session, interaction). */
export function loadCookieKeys(db: SqliteDatabase): string[] {
  return [getOrCreateSecret(db, COOKIE_KEY, randomSecret)];
}

/** Key for the per-interaction CSRF tokens of our login and consent forms. */
export function loadCsrfKey(db: SqliteDatabase): string {
  return getOrCreateSecret(db, CSRF_KEY, randomSecret);
}

/** The client secret of Gatehouse's own confidential client at the embedded server. */
export function loadServerClientSecret(db: SqliteDatabase): string {
  return getOrCreateSecret(db, 'authserver.server-client-secret', randomSecret);
}

/** The client secret of the Custom API Client (the Token Vault exchange) at the embedded server. */
export function loadCustomApiClientSecret(db: SqliteDatabase): string {
  return getOrCreateSecret(db, 'authserver.custom-api-client-secret', randomSecret);
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}
