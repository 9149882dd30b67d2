import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for the login and consent forms: an HMAC of the interaction uid under a persisted key.
 * The interaction itself is also bound to oidc-provider's SameSite interaction cookie.
 */
export function csrfTokenFor(key: string, uid: string): string {
  return createHmac('sha256', key).update(`interaction:${uid}`).digest('base64url');
}

export function isValidCsrfToken(key: string, uid: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(key, uid));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
