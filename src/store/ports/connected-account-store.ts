/** What Gatehouse learned when a connect flow completed (never a token), one row per user and connection. */
export interface ConnectedAccountStore {
  /** Records (or replaces) the account connected by `sub` on `connection`. */
  record(sub: string, connection: string, accountId: string, scopes: readonly string[], connectedAt: string): Promise<void>;
  /** The connected account's id; undefined when this user has not connected it here. */
  accountId(sub: string, connection: string): Promise<string | undefined>;
}
