import * as oidc from 'openid-client';
import { UpstreamUnavailableError } from '../errors.js';
import { oauthErrorCode, oauthErrorText } from './oauth-error.js';

export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';

export type PollOutcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'slow_down'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'approved'; readonly accessToken: string }
  | { readonly kind: 'denied' }
  | { readonly kind: 'expired' }
  /** `error`: the OAuth code; `invalid_grant` means the server does not know the request or it was already used. */
  | { readonly kind: 'invalid'; readonly error: string; readonly reason: string };

/**
 * One CIBA token request (poll mode). The caller decides when to poll (the interval lives in the
 * ledger, shared by instances); this only maps the answer. Auth0 also answers access_denied for an
 * expired request, so expiry is tracked on our own clock as well.
 */
export async function pollToken(config: oidc.Configuration, authReqId: string): Promise<PollOutcome> {
  try {
    const tokens = await oidc.genericGrantRequest(config, CIBA_GRANT_TYPE, { auth_req_id: authReqId });
    return { kind: 'approved', accessToken: tokens.access_token };
  } catch (e) {
    if (e instanceof oidc.ResponseBodyError && e.status < 500) {
      switch (e.error) {
        case 'authorization_pending':
          return { kind: 'pending' };
        case 'slow_down':
          return { kind: 'slow_down', retryAfterSeconds: retryAfter(e.response) };
        case 'access_denied':
          return { kind: 'denied' };
        case 'expired_token':
          return { kind: 'expired' };
        default:
          return { kind: 'invalid', error: oauthErrorCode(e), reason: oauthErrorText(e) };
      }
    }
    throw new UpstreamUnavailableError('The authorization server could not be reached to check the approval.', { cause: e });
  }
}

function retryAfter(response: Response | undefined): number | undefined {
  const v = Number(response?.headers.get('retry-after'));
  return Number.isInteger(v) && v > 0 && v <= 300 ? v : undefined;
}
