import { ProviderError } from '../errors.js';
import { BearerCredential, type Caller } from '../identity/caller.js';
import { connectionLabel } from '../errors.js';
import type { ConnectionNeed, TokenVault } from './token-vault.js';

import type { ConnectionGrant } from '../tools/define.js';

/** What the connect gate grants a tool (defined with the tool contract): its connection, and a fetch that carries the provider token. */
export type { ConnectionGrant };

/**
 * The provider API client behind a ConnectionGrant. The token only ever goes to the configured API
 * origin. A 401 drops the cached token and exchanges once more; a second 401, an unreachable provider,
 * 429 and 5xx become ProviderError with fixed texts. Other responses go back to the tool. Each request
 * (its body included, read in full before the tool sees it) runs under the provider's upstream policy:
 * a deadline (`timeout`), a cap on waiting calls (`overloaded`) and a circuit breaker (`circuit_open`).
 */
export async function openProviderSession(input: {
  vault: TokenVault;
  caller: Caller;
  credential: BearerCredential;
  need: ConnectionNeed;
  apiBaseUrl: string;
  connectedAccountId?: string;
}): Promise<ConnectionGrant> {
  const { vault, caller, credential, need } = input;
  const base = new URL(input.apiBaseUrl.endsWith('/') ? input.apiBaseUrl : `${input.apiBaseUrl}/`);
  const label = connectionLabel(need.connection);
  let access = await vault.accessFor(caller, credential, need);

  const upstream = vault.providerUpstream(need.connection);
  const unreachable = `${label} could not be reached; nothing was changed. Try again later.`;
  const send = (url: URL, init: { method?: string; body?: unknown }) =>
    upstream.run(
      async (signal) => {
        let response: Response;
        let body: ArrayBuffer;
        try {
          response = await fetch(url, {
            method: init.method ?? 'GET',
            headers: { authorization: `Bearer ${access.accessToken}`, accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
            body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
            signal,
            redirect: 'error',
          });
          body = await response.arrayBuffer();
        } catch (e) {
          throw new ProviderError(unreachable, { cause: e });
        }
        const copy = new Response(body.byteLength ? body : null, { status: response.status, statusText: response.statusText, headers: response.headers });
        if (response.status === 429 || response.status >= 500) {
          throw new ProviderError(`${label} is unavailable right now (HTTP ${response.status}); nothing was changed. Try again later.`);
        }
        return copy;
      },
      // Only an unreachable provider, 429 and 5xx count against its circuit.
      { isFailure: (e) => e instanceof ProviderError, mayHaveActed: (init.method ?? 'GET') !== 'GET' },
    );

  return {
    connection: need.connection,
    connectedAccountId: input.connectedAccountId,
    get scopes() {
      return access.scopes;
    },
    get accessToken() {
      return new BearerCredential(access.accessToken);
    },
    async fetch(path, init = {}) {
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(path)) throw new TypeError('provider fetch: path must be relative to the API base URL');
      const url = new URL(path.replace(/^\//, ''), base);
      if (url.origin !== base.origin) throw new TypeError('provider fetch: refusing another origin');
      for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
      let response = await send(url, init);
      if (response.status === 401) {
        vault.forget(caller, need);
        access = await vault.accessFor(caller, credential, need);
        response = await send(url, init);
        if (response.status === 401) {
          vault.forget(caller, need);
          throw new ProviderError(`${label} rejected the connected account's token twice; nothing was changed. Reconnect the account if this persists.`);
        }
      }
      if (response.status === 403) {
        throw new ProviderError(`${label} refused the request (permission denied); nothing was changed.`);
      }
      return response;
    },
  };
}
