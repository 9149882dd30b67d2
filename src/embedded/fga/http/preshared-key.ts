/**
 * OpenFGA's preshared-key authentication (`--authn-method preshared`): every API call carries
 * `Authorization: Bearer <key>` with one of the configured keys. Answers are OpenFGA's: a missing or
 * non-Bearer header is 401 `bearer_token_missing`, a wrong key 401 `unauthenticated`. Keys are
 * compared as SHA-256 digests in constant time against every configured key, so neither which key
 * matched nor the keys' lengths show in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export const AUTHN_ERRORS = {
  missing: { code: 'bearer_token_missing', message: 'missing bearer token' },
  invalid: { code: 'unauthenticated', message: 'unauthenticated' },
} as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function presharedKeyAuth(keys: readonly string[]): RequestHandler {
  if (!keys.length || keys.some((k) => !k)) throw new TypeError('preshared-key authentication needs at least one non-empty key');
  const digests = keys.map(digest);
  return (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      res.status(401).json(AUTHN_ERRORS.missing);
      return;
    }
    const presented = digest(token);
    let matched = false;
    for (const d of digests) matched = timingSafeEqual(presented, d) || matched;
    if (!matched) {
      res.status(401).json(AUTHN_ERRORS.invalid);
      return;
    }
    next();
  };
}

/** The credentials of `Bearer <token>` (scheme case-insensitive), as grpc-middleware's AuthFromMD reads it. */
function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  return header.slice(space + 1);
}
