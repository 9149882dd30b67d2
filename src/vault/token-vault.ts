import { ConnectionScopeMissingError, NotConnectedError } from '../errors.js';
import type { BearerCredential, Caller } from '../identity/caller.js';
import type { ConnectTickets } from './connect-ticket.js';
import { missingProviderScopes } from './provider-scopes.js';
import { ProviderTokenCache } from './token-cache.js';
import { ConnectionNotFound, type TokenExchange } from './token-exchange.js';
import { createUpstreams, type Upstream } from '../resilience/upstream.js';

export interface ConnectionNeed {
  readonly connection: string;
  readonly scopes: readonly string[];
}

export interface ProviderAccess {
  readonly accessToken: string;
  readonly scopes: readonly string[];
}

/**
 * The Token Vault client: a provider access token for (caller, connection, scopes), from the cache or
 * by exchanging the caller's own access token. Missing account or scopes become typed errors carrying a
 * fresh connect URL bound to the caller. The cache key always starts with the verified caller's sub.
 */
export class TokenVault {
  constructor(
    private readonly exchange: TokenExchange,
    private readonly tickets: ConnectTickets,
    private readonly cache = new ProviderTokenCache(),
    private readonly now: () => number = Date.now,
    /** The policy (deadline, bulkhead, circuit breaker) of each connection's provider API. */
    readonly providerUpstream: (connection: string) => Upstream = defaultProviderUpstreams(),
  ) {}

  async accessFor(caller: Caller, credential: BearerCredential, need: ConnectionNeed): Promise<ProviderAccess> {
    const key = ProviderTokenCache.key(caller.sub, need.connection, need.scopes);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const requestedAt = this.now();
    let exchanged;
    try {
      exchanged = await this.exchange(credential.reveal(), need.connection);
    } catch (e) {
      if (e instanceof ConnectionNotFound) {
        throw new NotConnectedError(need.connection, await this.tickets.issue(caller.sub, need.connection, need.scopes));
      }
      throw e;
    }
    // Auth0 says which scopes it granted; when it does not, trust the provider to refuse (403) later.
    const scopes = exchanged.scopes ?? need.scopes;
    const missing = missingProviderScopes(scopes, need.scopes);
    if (missing.length) {
      throw new ConnectionScopeMissingError(need.connection, missing, await this.tickets.issue(caller.sub, need.connection, need.scopes));
    }
    this.cache.set(key, { accessToken: exchanged.accessToken, scopes, expiresIn: exchanged.expiresIn }, requestedAt);
    return { accessToken: exchanged.accessToken, scopes };
  }

  /** The provider refused the token (401): forget it, so the next call exchanges again. */
  forget(caller: Caller, need: ConnectionNeed): void {
    this.cache.delete(ProviderTokenCache.key(caller.sub, need.connection, need.scopes));
  }
}

function defaultProviderUpstreams(): (connection: string) => Upstream {
  const upstreams = createUpstreams();
  return (connection) => upstreams.provider(connection);
}
