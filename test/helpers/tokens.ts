import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { TestGatehouse } from './bootstrap.js';

/**
 * Access tokens signed with the deployment's own signing key (read from its key file), for cases the
 * authorization server would issue but a test cannot easily obtain through a grant.
 */
export async function signedAccessToken(gh: TestGatehouse, claims: Record<string, unknown>): Promise<string> {
  const key = JSON.parse(readFileSync(join(gh.dataDir, 'keys', 'authserver.signing-key.rs256.key'), 'utf8')) as JWK;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: gh.issuer, aud: gh.mcpUrl, iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid })
    .sign(await importJWK(key, 'RS256'));
}

/** An Auth0-style client-credentials token: a machine client acting for no user (`Caller.kind === 'client'`). */
export function machineToken(gh: TestGatehouse, scope: string, clientId = 'nightly-report-agent'): Promise<string> {
  return signedAccessToken(gh, { sub: `${clientId}@clients`, azp: clientId, client_id: clientId, gty: 'client-credentials', scope });
}
