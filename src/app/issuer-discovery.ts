import * as oidc from 'openid-client';
import { upstreamFetch } from '../resilience/upstream.js';

/** How long the one discovery request may take. */
const DISCOVERY_TIMEOUT_SECONDS = 10;

/** A confidential client's credentials at the authorization server. */
export interface ClientSecretCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * The authorization server's metadata (OpenID Connect discovery), fetched once for the server's life
 * and shared by everything that talks to the issuer: the token verifier (its `jwks_uri`), the Token
 * Vault's clients and the CIBA client.
 */
export interface IssuerDiscovery {
  /** Discovered on first use; a failed attempt is not kept, so the next use asks again. */
  metadata(): Promise<oidc.ServerMetadata>;
  /**
   * One of Gatehouse's confidential clients at the issuer (client_secret_post), built on the shared
   * metadata the first time it is needed. `timeoutSeconds` bounds each request made with it.
   */
  client(credentials: ClientSecretCredentials, timeoutSeconds: number): () => Promise<oidc.Configuration>;
}

export interface IssuerDiscoveryOptions {
  /**
   * Plain http to the issuer. resolveBackends allows it for the embedded authorization server only
   * (on loopback); Auth0 is always https.
   */
  readonly allowInsecureRequests: boolean;
}

export function issuerDiscovery(issuer: string, opts: IssuerDiscoveryOptions): IssuerDiscovery {
  const execute = opts.allowInsecureRequests ? [oidc.allowInsecureRequests] : [];
  let discovered: Promise<oidc.ServerMetadata> | undefined;
  const metadata = () => {
    // openid-client checks the answer (issuer equal to the one asked for, TLS unless allowed); the
    // Configuration built here only carries that metadata out: each client gets its own below.
    discovered ??= oidc
      .discovery(new URL(issuer), 'discovery', undefined, oidc.None(), { execute, timeout: DISCOVERY_TIMEOUT_SECONDS, [oidc.customFetch]: upstreamFetch as oidc.CustomFetch })
      .then((c) => c.serverMetadata())
      .catch((e: unknown) => {
        discovered = undefined;
        throw e;
      });
    return discovered;
  };
  return {
    metadata,
    client(credentials, timeoutSeconds) {
      let config: oidc.Configuration | undefined;
      return async () => {
        if (config) return config;
        const c = new oidc.Configuration(await metadata(), credentials.clientId, undefined, oidc.ClientSecretPost(credentials.clientSecret));
        c.timeout = timeoutSeconds;
        // Requests made inside an upstream policy's run abort at its deadline (src/resilience/upstream.ts).
        c[oidc.customFetch] = upstreamFetch as oidc.CustomFetch;
        for (const extension of execute) extension(c);
        return (config ??= c);
      };
    },
  };
}
