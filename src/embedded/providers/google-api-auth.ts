import type { RequestHandler, Response } from 'express';
import type { ProviderTokenPayload, ProviderTokens } from './provider-tokens.js';

declare module 'express-serve-static-core' {
  interface Locals {
    google?: ProviderTokenPayload;
  }
}

/** Google's JSON error envelope. */
export function googleError(res: Response, code: number, status: string, message: string, reason?: string): void {
  res.status(code).json({ error: { code, message, status, ...(reason ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason }] } : {}) } });
}

/**
 * Bearer authentication for the demo Google APIs: a valid, unexpired access token whose scopes include
 * one of `anyOf` (Google's scope hierarchy is spelled out per route, as in Google's method docs).
 */
export function requireGoogleScope(tokens: ProviderTokens, anyOf: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const payload = token ? tokens.verify('a', token) : undefined;
    if (!payload) {
      res.set('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
      return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'ACCESS_TOKEN_TYPE_UNSUPPORTED');
    }
    const granted = new Set(payload.scope.split(' '));
    if (!anyOf.some((s) => granted.has(s))) {
      return googleError(res, 403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT');
    }
    res.locals.google = payload;
    next();
  };
}
