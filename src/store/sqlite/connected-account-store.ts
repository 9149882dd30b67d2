import type { ConnectedAccountStore } from '../ports/connected-account-store.js';
import type { SqliteDatabase } from './database.js';

/** Connected accounts in the SQLite Store (table vault_connections). */
export function createSqliteConnectedAccountStore(db: SqliteDatabase): ConnectedAccountStore {
  const upsert = db.prepare(
    `INSERT INTO vault_connections (sub, connection, account_id, scopes, connected_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (sub, connection) DO UPDATE SET account_id = excluded.account_id, scopes = excluded.scopes, connected_at = excluded.connected_at`,
  );
  const get = db.prepare('SELECT account_id FROM vault_connections WHERE sub = ? AND connection = ?');
  return {
    record: async (sub, connection, accountId, scopes, connectedAt) => void upsert.run(sub, connection, accountId, JSON.stringify([...scopes]), connectedAt),
    accountId: async (sub, connection) => (get.get(sub, connection) as { account_id: string } | undefined)?.account_id,
  };
}
