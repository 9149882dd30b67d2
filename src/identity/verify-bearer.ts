import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { InvalidTokenError, UpstreamUnavailableError } from '../errors.js';
import type { Caller } from './caller.js';
import { parseScopeString } from './scopes.js';

/** Asymmetric algorithms only: never `none`, never HS* (a public key must not become an HMAC secret). */
export const ALLOWED_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

/** RFC 9068 says `at+jwt`; Auth0 issues `JWT`. Anything else (or nothing) is refused. */
const ACCEPTED_TYPES = new Set(['at+jwt', 'application/at+jwt', 'jwt']);

export interface TokenVerifierOptions {
  /** Exact issuer, e.g. `https://tenant.auth0.com/` or the embedded `http://127.0.0.1:8788`. */
  readonly issuer: string;
  /** The canonical MCP URL; `aud` must contain it exactly. */
  readonly audience: string;
  /** Where the issuer's metadata lives; defaults to OIDC discovery under the issuer. */
  readonly discoveryUrl?: string;
  /**
   * The issuer's metadata from a discovery the caller already shares (the server's one discovery);
   * when set, the verifier fetches none of its own and `discoveryUrl` is unused.
   */
  readonly metadata?: () => Promise<{ readonly issuer: string; readonly jwks_uri?: string }>;
  readonly clockSkewSeconds: number;
  readonly fetchTimeoutMs?: number;
  /** After a JWKS fetch, no refetch for this long (an unknown `kid` refetches only once it elapsed). */
  readonly jwksCooldownMs?: number;
  /**
   * How long a successful verification is remembered for the same token bytes (default 60 s, 0 = off).
   * A hit still enforces `exp`; the cost is that a key withdrawn from the JWKS keeps already-seen
   * tokens valid for at most this long.
   */
  readonly cacheTtlMs?: number;
  /** The clock (epoch ms) for `exp`/`nbf` checks and the cache alike. */
  readonly now?: () => number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
  /**
   * Readiness of the signing keys: `cached` when a key set is held (tokens can be verified even if the
   * issuer is briefly unreachable), else `fetched` after discovery and one JWKS fetch; throws
   * UpstreamUnavailableError when neither works.
   */
  signingKeys(): Promise<'cached' | 'fetched'>;
}

const Claims = z.object({
  iss: z.string(),
  sub: z.string().min(1),
  exp: z.number(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
  azp: z.string().optional(),
  org_id: z.string().optional(),
  permissions: z.array(z.string()).optional(),
  gty: z.string().optional(),
});

/**
 * Verifies JWT access tokens with jose against the issuer's JWKS (fetched lazily, cached, refetched
 * once — rate limited — when an unknown `kid` appears). Every failure is a typed error whose message
 * is a fixed text; the library's own text stays in `cause`.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const timeout = opts.fetchTimeoutMs ?? 5000;

  const keySet = (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (jwks) return Promise.resolve(jwks);
    discovering ??= discoverJwksUri(opts, timeout)
      .then((uri) => {
        jwks = createRemoteJWKSet(new URL(uri), { timeoutDuration: timeout, cooldownDuration: opts.jwksCooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000 });
        return jwks;
      })
      .finally(() => {
        discovering = undefined;
      });
    return discovering;
  };

  const now = opts.now ?? Date.now;
  const cache = new VerifiedTokenCache(opts.cacheTtlMs ?? 60_000, 10_000, now);

  return {
    async verify(token: string): Promise<Caller> {
      const hit = cache.get(token, opts.clockSkewSeconds);
      if (hit) return hit;
      const caller = await verifyUncached(token);
      cache.set(token, caller);
      return caller;
    },
    async signingKeys() {
      if (jwks?.jwks()?.keys.length) return 'cached';
      const keys = await keySet();
      try {
        await keys.reload();
      } catch (e) {
        throw translateJoseError(e);
      }
      if (!keys.jwks()?.keys.length) throw new UpstreamUnavailableError('The authorization server publishes no signing keys.');
      return 'fetched';
    },
  };

  async function verifyUncached(token: string): Promise<Caller> {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
      throw new InvalidTokenError('The access token is malformed.');
    }
    const keys = await keySet();
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      const result = await jwtVerify(token, keys, {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: opts.clockSkewSeconds,
        currentDate: new Date(now()),
        requiredClaims: ['exp', 'sub', 'iss', 'aud'],
      });
      payload = result.payload;
      typ = result.protectedHeader.typ;
    } catch (e) {
      throw translateJoseError(e);
    }
    if (!typ || !ACCEPTED_TYPES.has(typ.toLowerCase())) {
      throw new InvalidTokenError('The token is not an access token.');
    }
    const parsed = Claims.safeParse(payload);
    if (!parsed.success) throw new InvalidTokenError('The access token is missing required claims.', { cause: parsed.error });
    const c = parsed.data;
    const clientId = c.client_id ?? c.azp;
    if (!clientId) throw new InvalidTokenError('The access token does not name its client.');
    const isClient = c.gty === 'client-credentials' || c.sub === `${clientId}@clients` || c.sub === clientId;
    return {
      kind: isClient ? 'client' : 'user',
      sub: c.sub,
      clientId,
      orgId: c.org_id,
      scopes: parseScopeString(c.scope),
      permissions: c.permissions ?? [],
      issuer: c.iss,
      expiresAt: c.exp,
    };
  }
}

/**
 * Remembers verified tokens (bounded, oldest evicted first) so a client's repeated calls skip the
 * signature check. Never serves a token past its `exp` (plus the allowed skew).
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, { caller: Caller; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}
  get(token: string, skewSeconds: number): Caller | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    const now = this.now();
    if (now >= e.until || now >= (e.caller.expiresAt + skewSeconds) * 1000) {
      this.entries.delete(token);
      return undefined;
    }
    return e.caller;
  }
  set(token: string, caller: Caller): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { caller, until: this.now() + this.ttlMs });
  }
}

function translateJoseError(e: unknown): Error {
  if (e instanceof joseErrors.JWTExpired) return new InvalidTokenError('The access token has expired.', { cause: e });
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'aud':
        return new InvalidTokenError('The access token was not issued for this resource.', { cause: e });
      case 'iss':
        return new InvalidTokenError('The access token was issued by an untrusted issuer.', { cause: e });
      case 'nbf':
        return new InvalidTokenError('The access token is not valid yet.', { cause: e });
      default:
        return new InvalidTokenError('The access token failed claim validation.', { cause: e });
    }
  }
  if (e instanceof joseErrors.JWKSNoMatchingKey) return new InvalidTokenError('The access token was signed with an unknown key.', { cause: e });
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new InvalidTokenError('The access token signature is invalid.', { cause: e });
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new InvalidTokenError('The access token uses a disallowed algorithm.', { cause: e });
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid || isNetworkError(e)) {
    return new UpstreamUnavailableError('The authorization server keys cannot be fetched right now.', { cause: e });
  }
  if (e instanceof joseErrors.JOSEError) return new InvalidTokenError('The access token is invalid.', { cause: e });
  return new InvalidTokenError('The access token is invalid.', { cause: e });
}

function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && /fetch|ECONNREFUSED|ENOTFOUND|network/i.test(e.message));
}

const Discovery = z.object({ issuer: z.string(), jwks_uri: z.url() });

async function discoverJwksUri(opts: TokenVerifierOptions, timeout: number): Promise<string> {
  const base = opts.issuer.replace(/\/$/, '');
  const url = opts.discoveryUrl ?? `${base}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    if (opts.metadata) body = await opts.metadata();
    else {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeout), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      body = await res.json();
    }
  } catch (e) {
    throw new UpstreamUnavailableError('The authorization server cannot be reached right now.', { cause: e });
  }
  const parsed = Discovery.safeParse(body);
  if (!parsed.success || parsed.data.issuer.replace(/\/$/, '') !== base) {
    throw new UpstreamUnavailableError('The authorization server metadata is invalid.', { cause: parsed.error });
  }
  return parsed.data.jwks_uri;
}
