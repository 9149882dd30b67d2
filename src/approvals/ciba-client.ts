import { createRemoteJWKSet } from 'jose';
import * as oidc from 'openid-client';
import { ApprovalInvalidError, UpstreamUnavailableError } from '../errors.js';
import { createUpstream, DEFAULT_UPSTREAM_SETTINGS, upstreamFetch, type Upstream } from '../resilience/upstream.js';
import { backchannelAuthorize, type BackchannelRequest, type BackchannelStarted } from './backchannel-authorize.js';
import { pollToken, type PollOutcome } from './poll-token.js';
import type { ToolCallDetail } from './authorization-details.js';
import { verifyApprovalToken, type VerifiedApproval } from './verify-approval-token.js';

export interface CibaClientOptions {
  /** Exact issuer: `https://AUTH0_DOMAIN/`, or the embedded server's loopback URL. */
  readonly issuer: string;
  readonly audience: string;
  /** The server's confidential client (AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET). */
  readonly clientId: string;
  readonly clientSecret: string;
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
 * CIBA over openid-client, authenticated as the server's confidential client. Discovery runs lazily
 * and is retried after a failure. Plain http is allowed only for a loopback issuer (the embedded server).
 * Discovery, bc-authorize and each token poll run under the CIBA upstream policy: a hung authorization
 * server answers `timeout` within the deadline, then `circuit_open`; a refusal does not count against it.
 */
export function createCibaClient(opts: CibaClientOptions): CibaClient {
  let config: Promise<oidc.Configuration> | undefined;
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  const configuration = () => {
    config ??= oidc
      .discovery(new URL(opts.issuer), opts.clientId, undefined, oidc.ClientSecretPost(opts.clientSecret), {
        execute: isLoopbackHttp(opts.issuer) ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
        [oidc.customFetch]: upstreamFetch as oidc.CustomFetch,
      })
      .catch((e: unknown) => {
        config = undefined;
        throw new UpstreamUnavailableError('The authorization server could not be reached to ask for approval; nothing was run.', { cause: e });
      });
    return config;
  };
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

function isLoopbackHttp(issuer: string): boolean {
  const u = new URL(issuer);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}
