import type { ConnectFlowStore } from '../ports/connect-flow-store.js';
import type { PgPool } from './database.js';

/** Connect flows in PostgreSQL (table vault_connect_flows). */
export function createPostgresConnectFlowStore(pool: PgPool): ConnectFlowStore {
  return {
    async insert(idHash, payload, expiresAt, now) {
      await pool.query('DELETE FROM vault_connect_flows WHERE expires_at < $1', [now]);
      await pool.query('INSERT INTO vault_connect_flows (id_hash, payload, expires_at) VALUES ($1, $2, $3)', [idHash, payload, expiresAt]);
    },
    get: async (idHash, now) =>
      (await pool.query<{ payload: string }>('SELECT payload FROM vault_connect_flows WHERE id_hash = $1 AND expires_at >= $2', [idHash, now])).rows[0]?.payload,
    update: async (idHash, expected, payload) =>
      (await pool.query('UPDATE vault_connect_flows SET payload = $1 WHERE id_hash = $2 AND payload = $3', [payload, idHash, expected])).rowCount === 1,
    delete: async (idHash) => ((await pool.query('DELETE FROM vault_connect_flows WHERE id_hash = $1', [idHash])).rowCount ?? 0) > 0,
  };
}
