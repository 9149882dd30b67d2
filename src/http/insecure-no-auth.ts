import type { RequestHandler } from 'express';
import { BearerCredential, type Caller } from '../identity/caller.js';
import { ALL_SCOPES } from '../identity/scopes.js';

/**
 * TEST-ONLY stand-in for bearer auth (GATEHOUSE_INSECURE_NO_AUTH=true, loopback only — config refuses
 * anything else): every request acts as a fixed test caller. Exists so protocol conformance suites
 * that send no Authorization header can exercise the MCP surface.
 */
export function insecureNoAuth(): RequestHandler {
  const caller: Caller = {
    kind: 'user',
    sub: 'insecure-test-user',
    clientId: 'insecure-test-client',
    scopes: [...ALL_SCOPES],
    permissions: [],
    issuer: 'urn:gatehouse:insecure-no-auth',
    expiresAt: 4102444800,
  };
  return (_req, res, next) => {
    res.locals.auth = { caller, credential: new BearerCredential('') };
    next();
  };
}
