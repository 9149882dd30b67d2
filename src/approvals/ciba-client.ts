import { createRemoteJWKSet } from 'jose';
import type * as oidc from 'openid-client';
import { ApprovalInvalidError, UpstreamUnavailableError } from '../errors.js';
import { createUpstream, DEFAULT_UPSTREAM_SETTINGS, type Upstream } from '../resilience/upstream.js';
import { backchannelAuthorize, type BackchannelRequest, type BackchannelStarted } from './backchannel-authorize.js';
import { pollToken, type PollOutcome } from './poll-token.js';
import type { ToolCallDetail } from './authorization-details.js';
import { verifyApprovalToken, type VerifiedApproval } from './verify-approval-token.js';

export interface CibaClientOptions {
  /**
   * The server's confidential client (AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET) at the issuer, on the
   * issuer's shared discovery (discovered lazily, again after a failure).
   */
  readonly client: () => Promise<oidc.Configuration>;
  readonly clientId: string;
  readonly audience: string;
  readonly clockSkewSeconds: number;
  /** Deadline, bulkhead and circuit breaker of the CIBA requests (discovery, bc-authorize, each poll). */
  readonly upstream?: Upstream;
}

/** What the approval flow needs from the authorization server; a stub replaces it in unit tests. */
export interface CibaClient {
  authorize(req: Omit<BackchannelRequest, 'audience'>): Promise<BackchannelStarted>;
  poll(authReqId: string): Promise<PollOutcome>;
  verify(accessToken: string, expected: { sub: string; digest: string; resource: string; details?: readonly ToolCallDetail[] }): Promise<VerifiedApproval>;
}

/**
 * CIBA over openid-client, authenticated as the server's confidential client, on the issuer's shared
 * discovery. bc-authorize and each token poll run under the CIBA upstream policy: a hung authorization
 * server answers `timeout` within the deadline, then `circuit_open`; a refusal does not count against it.
 */
export function createCibaClient(opts: CibaClientOptions): CibaClient {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  const configuration = () =>
    opts.client().catch((e: unknown) => {
      throw new UpstreamUnavailableError('The authorization server could not be reached to ask for approval; nothing was run.', { cause: e });
    });
  const upstream = opts.upstream ?? createUpstream('ciba', 'the approval service (CIBA)', DEFAULT_UPSTREAM_SETTINGS.ciba);
  const isFailure = (e: unknown) => !(e instanceof ApprovalInvalidError);
  return {
    authorize(req) {
      return upstream.run(async () => backchannelAuthorize(await configuration(), { ...req, audience: opts.audience }), { isFailure });
    },
    poll(authReqId) {
      return upstream.run(async () => pollToken(await configuration(), authReqId), { isFailure });
    },
    async verify(accessToken, expected) {
      const c = await configuration();
      const jwksUri = c.serverMetadata().jwks_uri;
      if (!jwksUri) throw new UpstreamUnavailableError('The authorization server publishes no keys; the approval cannot be checked.');
      keys ??= createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000 });
      return verifyApprovalToken(accessToken, keys, {
        issuer: c.serverMetadata().issuer,
        audience: opts.audience,
        clientId: opts.clientId,
        clockSkewSeconds: opts.clockSkewSeconds,
        ...expected,
      });
    },
  };
}
