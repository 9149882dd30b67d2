import { ForbiddenError, GatehouseError } from '../errors.js';
import type { ConnectedAccountsLedger } from '../vault/connected-accounts-ledger.js';
import { openProviderSession } from '../vault/provider-session.js';
import type { TokenVault } from '../vault/token-vault.js';
import { SKIP, type Gate } from './gate.js';

export interface ConnectGateDeps {
  readonly vault: TokenVault;
  readonly ledger: ConnectedAccountsLedger;
  /** API base URL per connection (e.g. google-oauth2 -> https://www.googleapis.com or the demo provider). */
  readonly apiBaseUrls: Readonly<Record<string, string>>;
}

/**
 * The connect gate (Token Vault): for a tool that declares a connection, obtain a provider access token
 * for this caller by exchanging the caller's own token, and hand it to `run` as grant `connection`.
 * Nothing else sees it: the decision records the connection and account id, never the token.
 */
export function connectGate(deps: ConnectGateDeps): Gate {
  return {
    name: 'connect',
    async evaluate(call) {
      const policy = call.tool.connection;
      if (!policy) return SKIP;
      const { connection } = policy;
      const apiBaseUrl = deps.apiBaseUrls[connection];
      if (call.caller.kind !== 'user' || !apiBaseUrl) {
        return {
          decision: 'deny',
          detail: { connection, reason: apiBaseUrl ? 'no end user' : 'unknown connection' },
          error: new ForbiddenError(apiBaseUrl ? 'This tool acts on a connected account and needs a signed-in user; machine clients cannot use it.' : 'This tool names a connection this server does not know.'),
        };
      }
      try {
        const connectedAccountId = await deps.ledger.accountId(call.caller.sub, connection);
        const grant = await openProviderSession({ vault: deps.vault, caller: call.caller, credential: call.credential, need: policy, apiBaseUrl, connectedAccountId });
        return { decision: 'allow', detail: { connection, connectedAccountId: connectedAccountId ?? null, scopes: [...policy.scopes] }, grant: { connection: grant } };
      } catch (error) {
        const code = error instanceof GatehouseError ? error.code : 'internal_error';
        const refused = code === 'not_connected' || code === 'connection_scope_missing';
        return { decision: refused ? 'deny' : 'error', detail: { connection, reason: code }, error };
      }
    },
  };
}
