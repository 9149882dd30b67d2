import { GatehouseError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, UpstreamUnavailableError } from '../errors.js';

/** A ready HTTP answer for an authentication/authorization failure at the HTTP edge. */
export interface Challenge {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: { error: string; error_description: string };
}

export interface ChallengeContext {
  readonly resourceMetadataUrl: string;
  /** Scopes a client should request on first contact (401). */
  readonly baselineScopes: readonly string[];
}

/** Quoted-string per RFC 7235; our texts are fixed, this only guards against future mistakes. */
const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '')}"`;

/** No credentials at all: RFC 6750 §3.1 says no error code, just the challenge. */
export function missingTokenChallenge(ctx: ChallengeContext): Challenge {
  return {
    status: 401,
    headers: { 'WWW-Authenticate': `Bearer resource_metadata=${q(ctx.resourceMetadataUrl)}, scope=${q(ctx.baselineScopes.join(' '))}` },
    body: { error: 'invalid_token', error_description: 'Authentication required: send an OAuth access token for this resource.' },
  };
}

/** Translate a typed error into the one HTTP answer clients act on. Unknown errors become 500 with a generic text. */
export function challengeFor(err: unknown, ctx: ChallengeContext): Challenge {
  if (err instanceof InsufficientScopeError) {
    return {
      status: 403,
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope=${q(err.required.join(' '))}, resource_metadata=${q(ctx.resourceMetadataUrl)}, error_description=${q(err.message)}`,
      },
      body: { error: 'insufficient_scope', error_description: err.message },
    };
  }
  if (err instanceof InvalidTokenError) {
    return {
      status: 401,
      headers: {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description=${q(err.message)}, resource_metadata=${q(ctx.resourceMetadataUrl)}, scope=${q(ctx.baselineScopes.join(' '))}`,
      },
      body: { error: 'invalid_token', error_description: err.message },
    };
  }
  if (err instanceof InvalidRequestError) {
    return {
      status: 400,
      headers: { 'WWW-Authenticate': `Bearer error="invalid_request", error_description=${q(err.message)}, resource_metadata=${q(ctx.resourceMetadataUrl)}` },
      body: { error: 'invalid_request', error_description: err.message },
    };
  }
  if (err instanceof UpstreamUnavailableError) {
    return {
      status: 503,
      headers: { 'Retry-After': '5' },
      body: { error: 'temporarily_unavailable', error_description: err.message },
    };
  }
  const text = err instanceof GatehouseError && err.code !== 'internal_error' ? err.message : 'Internal server error.';
  return { status: 500, headers: {}, body: { error: 'server_error', error_description: text } };
}
