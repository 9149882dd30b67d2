import type { SqliteDatabase } from '../store/sqlite/database.js';

/**
 * What Gatehouse learned when a connect flow completed: the connected account's id (for the audit
 * log) and the scopes granted. Never a token. An account connected elsewhere is simply unknown here.
 */
export class ConnectedAccountsLedger {
  constructor(private readonly db: SqliteDatabase) {}

  record(sub: string, connection: string, accountId: string, scopes: readonly string[]): void {
    this.db
      .prepare(
        `INSERT INTO vault_connections (sub, connection, account_id, scopes, connected_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sub, connection) DO UPDATE SET account_id = excluded.account_id, scopes = excluded.scopes, connected_at = excluded.connected_at`,
      )
      .run(sub, connection, accountId, JSON.stringify([...scopes]), new Date().toISOString());
  }

  accountId(sub: string, connection: string): string | undefined {
    const row = this.db.prepare('SELECT account_id FROM vault_connections WHERE sub = ? AND connection = ?').get(sub, connection) as { account_id: string } | undefined;
    return row?.account_id;
  }
}
