import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { z } from 'zod';

const Claims = z.object({ sub: z.string().min(1), azp: z.string().optional(), client_id: z.string().optional(), scope: z.string().optional(), gty: z.string().optional() });
export type LocalTokenClaims = z.infer<typeof Claims> & { scopes: string[] };

/**
 * Verifies JWT access tokens this authorization server issued (for its own APIs: My Account, token
 * exchange subject tokens) against its own public keys: signature, issuer, audience, expiry.
 */
export function localTokenVerifier(issuer: string, jwks: { keys: object[] }) {
  const keySet = createLocalJWKSet({ keys: jwks.keys.map((k) => publicPart(k as JWK)) });
  return async (token: string, audience: string): Promise<LocalTokenClaims | undefined> => {
    try {
      const { payload } = await jwtVerify(token, keySet, { issuer, audience, algorithms: ['RS256'], clockTolerance: 5 });
      const claims = Claims.safeParse(payload);
      if (!claims.success || claims.data.gty === 'client-credentials') return undefined;
      return { ...claims.data, scopes: (claims.data.scope ?? '').split(' ').filter(Boolean) };
    } catch {
      return undefined;
    }
  };
}

function publicPart(jwk: JWK): JWK {
  const { kty, n, e, crv, x, y, kid, alg, use } = jwk;
  return Object.fromEntries(Object.entries({ kty, n, e, crv, x, y, kid, alg, use }).filter(([, v]) => v !== undefined)) as JWK;
}
