import * as oidc from 'openid-client';
import { ApprovalInvalidError, UpstreamUnavailableError } from '../errors.js';
import type { ToolCallDetail } from './authorization-details.js';
import { oauthErrorText } from './oauth-error.js';

export interface BackchannelRequest {
  /** The user who must approve (the caller's `sub`). */
  readonly sub: string;
  readonly bindingMessage: string;
  readonly authorizationDetails: readonly ToolCallDetail[];
  /** The API the approval is for (the MCP URL, or AUTH0_AUDIENCE). */
  readonly audience: string;
  /** Seconds, 1..300 (Auth0's range). */
  readonly requestedExpiry: number;
}

export interface BackchannelStarted {
  readonly authReqId: string;
  readonly expiresIn: number;
  /** Seconds between polls, when the server says. */
  readonly interval?: number;
}

/**
 * CIBA backchannel authentication request (POST /bc-authorize) as Auth0 expects it: the user named by
 * an iss_sub login_hint, a binding message, scope openid, the audience (as `audience` and RFC 8707
 * `resource`) and RFC 9396 authorization_details.
 */
export async function backchannelAuthorize(config: oidc.Configuration, req: BackchannelRequest): Promise<BackchannelStarted> {
  const params = {
    login_hint: JSON.stringify({ format: 'iss_sub', iss: config.serverMetadata().issuer, sub: req.sub }),
    scope: 'openid',
    binding_message: req.bindingMessage,
    audience: req.audience,
    resource: req.audience,
    requested_expiry: String(req.requestedExpiry),
    authorization_details: JSON.stringify(req.authorizationDetails),
  };
  try {
    const r = await oidc.initiateBackchannelAuthentication(config, params);
    return { authReqId: r.auth_req_id, expiresIn: r.expires_in, interval: r.interval };
  } catch (e) {
    if (e instanceof oidc.ResponseBodyError && e.status < 500) {
      throw new ApprovalInvalidError(`The authorization server refused the approval request (${oauthErrorText(e)}); nothing was run.`, { cause: e });
    }
    throw new UpstreamUnavailableError('The authorization server could not be reached to ask for approval; nothing was run.', { cause: e });
  }
}
