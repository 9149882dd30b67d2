import * as oidc from 'openid-client';
import { upstreamFetch } from '../resilience/upstream.js';

export interface ServerClientOptions {
  /** The authorization server (Auth0 tenant or the embedded one). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutMs?: number;
}

/**
 * One of Gatehouse's confidential clients at the authorization server (AUTH0_CLIENT_ID/SECRET, or the
 * Custom API Client AUTH0_CUSTOM_API_CLIENT_ID/SECRET for the Token Vault exchange), via
 * openid-client: discovered lazily and re-discovered after a failure, so an authorization server that
 * is down at start-up does not stay down for us. Plain http is allowed only for a loopback issuer.
 * Its requests abort at the deadline of the upstream call they run in (src/resilience/upstream.ts).
 */
export function serverClient(opts: ServerClientOptions): () => Promise<oidc.Configuration> {
  let pending: Promise<oidc.Configuration> | undefined;
  const insecure = isLoopbackHttp(opts.issuer);
  return () => {
    pending ??= oidc
      .discovery(new URL(opts.issuer), opts.clientId, undefined, oidc.ClientSecretPost(opts.clientSecret), {
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        timeout: Math.ceil((opts.timeoutMs ?? 5000) / 1000),
        [oidc.customFetch]: upstreamFetch as oidc.CustomFetch,
      })
      .catch((e: unknown) => {
        pending = undefined;
        throw e;
      });
    return pending;
  };
}

function isLoopbackHttp(issuer: string): boolean {
  const u = new URL(issuer);
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
}
