import type { ConnectedAccountStore } from '../store/ports/connected-account-store.js';

/**
 * What Gatehouse learned when a connect flow completed: the connected account's id (for the audit
 * log) and the scopes granted. Never a token. An account connected elsewhere is simply unknown here.
 */
export class ConnectedAccountsLedger {
  constructor(private readonly store: ConnectedAccountStore) {}

  record(sub: string, connection: string, accountId: string, scopes: readonly string[]): Promise<void> {
    return this.store.record(sub, connection, accountId, scopes, new Date().toISOString());
  }

  accountId(sub: string, connection: string): Promise<string | undefined> {
    return this.store.accountId(sub, connection);
  }
}
