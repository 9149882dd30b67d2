import type { ConnectedAccountStore } from '../ports/connected-account-store.js';
import type { PgPool } from './database.js';

/** Connected accounts in PostgreSQL (table vault_connections). */
export function createPostgresConnectedAccountStore(pool: PgPool): ConnectedAccountStore {
  return {
    record: async (sub, connection, accountId, scopes, connectedAt) =>
      void (await pool.query(
        `INSERT INTO vault_connections (sub, connection, account_id, scopes, connected_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sub, connection) DO UPDATE SET account_id = excluded.account_id, scopes = excluded.scopes, connected_at = excluded.connected_at`,
        [sub, connection, accountId, JSON.stringify([...scopes]), connectedAt],
      )),
    accountId: async (sub, connection) =>
      (await pool.query<{ account_id: string }>('SELECT account_id FROM vault_connections WHERE sub = $1 AND connection = $2', [sub, connection])).rows[0]?.account_id,
  };
}
