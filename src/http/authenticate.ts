import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { InvalidRequestError, InvalidTokenError } from '../errors.js';
import { BearerCredential, type Caller } from '../identity/caller.js';
import type { TokenVerifier } from '../identity/verify-bearer.js';
import { challengeFor, missingTokenChallenge, type Challenge, type ChallengeContext } from './bearer-challenge.js';

export interface Authenticated {
  readonly caller: Caller;
  readonly credential: BearerCredential;
}

declare module 'express-serve-static-core' {
  interface Locals {
    auth?: Authenticated;
  }
}

/**
 * Bearer authentication for the MCP endpoint: only the Authorization header is accepted (a token in
 * the query string is refused, RFC 6750 §2.3 is not supported), the token is verified, and the
 * Caller is attached to `res.locals.auth`. Failures are answered with the RFC 6750 challenge.
 */
export function bearerAuth(opts: { verifier: TokenVerifier; challenge: ChallengeContext; logger: Logger }): RequestHandler {
  return async (req, res, next) => {
    try {
      if (typeof req.query === 'object' && req.query && 'access_token' in req.query) {
        throw new InvalidTokenError('Send the access token in the Authorization header, never in the URL.');
      }
      const header = req.headers.authorization;
      if (!header) return send(res, missingTokenChallenge(opts.challenge));
      const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
      if (!match) throw new InvalidRequestError('The Authorization header must be "Bearer <token>".');
      const token = match[1]!;
      const caller = await opts.verifier.verify(token);
      res.locals.auth = { caller, credential: new BearerCredential(token) };
      next();
    } catch (e) {
      const c = challengeFor(e, opts.challenge);
      opts.logger.info({ status: c.status, reason: c.body.error_description, cause: errorName(e) }, 'bearer authentication refused');
      send(res, c);
    }
  };
}

export function send(res: Parameters<RequestHandler>[1], c: Challenge): void {
  res.status(c.status).set(c.headers).json(c.body);
}

function errorName(e: unknown): string | undefined {
  const cause = e instanceof Error ? e.cause : undefined;
  return cause instanceof Error ? cause.name : undefined;
}
