import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { ApprovalInvalidError, UpstreamUnavailableError } from '../errors.js';
import { ALLOWED_ALGORITHMS } from '../identity/verify-bearer.js';
import { AuthorizationDetails, type ToolCallDetail } from './authorization-details.js';
import { canonicalJson } from '../lib/canonical-json.js';

export interface ExpectedApproval {
  readonly issuer: string;
  /** The API the approval was requested for (token `aud`). */
  readonly audience: string;
  /** Our confidential client: the token must have been issued to it. */
  readonly clientId: string;
  /** The caller: only they may approve their own call. */
  readonly sub: string;
  /** The call's digest, which the approved authorization_details must carry. */
  readonly digest: string;
  /** The MCP URL the call arrived at (the details' `server` property). */
  readonly resource: string;
  /** The authorization_details we asked approval for: when given, the token must carry exactly these. */
  readonly details?: readonly ToolCallDetail[];
  readonly clockSkewSeconds: number;
}

export interface VerifiedApproval {
  readonly approvedBy: string;
  /** ms since the epoch: when the authorization server issued the approval. */
  readonly approvedAt: number;
  /** ms since the epoch: the approval may be used until then. */
  readonly validUntil: number;
}

const Claims = z.object({
  sub: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
  azp: z.string().optional(),
  client_id: z.string().optional(),
  authorization_details: z.unknown().optional(),
});

/**
 * Checks the access token a CIBA approval returned, before anything runs: signature against the
 * issuer's JWKS, issuer, audience, that it was issued to us for the caller, and that its RAR
 * authorization_details carry exactly this call's digest. Any mismatch refuses the call.
 */
export async function verifyApprovalToken(token: string, keys: JWTVerifyGetKey, expected: ExpectedApproval): Promise<VerifiedApproval> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: expected.issuer,
      audience: expected.audience,
      algorithms: [...ALLOWED_ALGORITHMS],
      clockTolerance: expected.clockSkewSeconds,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWKSTimeout || (e instanceof Error && !(e instanceof joseErrors.JOSEError))) {
      throw new UpstreamUnavailableError('The authorization server keys could not be fetched to check the approval; nothing was run.', { cause: e });
    }
    throw refused('its signature or claims are not valid', e);
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw refused('its claims are malformed');
  const c = claims.data;
  if (c.sub !== expected.sub) throw refused('it was approved by a different user');
  if ((c.azp ?? c.client_id) !== expected.clientId) throw refused('it was issued to a different client');
  const details = AuthorizationDetails.safeParse(c.authorization_details);
  if (!details.success) throw refused('it carries no valid authorization details');
  const { properties } = details.data[0]!;
  if (properties.digest?.value !== expected.digest) throw refused('it approves different arguments');
  if (properties.server?.value !== expected.resource) throw refused('it approves a call on a different server');
  if (expected.details && canonicalJson(details.data) !== canonicalJson(expected.details)) throw refused('its authorization details differ from those the user was asked to approve');
  return { approvedBy: c.sub, approvedAt: c.iat * 1000, validUntil: c.exp * 1000 };
}

function refused(why: string, cause?: unknown): ApprovalInvalidError {
  return new ApprovalInvalidError(`The approval returned by the authorization server does not match this call (${why}); nothing was run.`, { cause });
}
