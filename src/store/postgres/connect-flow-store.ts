import type { Async } from '../ports/async.js';
import type { ConnectFlowStore } from '../ports/connect-flow-store.js';
import type { PgPool } from './database.js';

/** Connect flows in PostgreSQL (table vault_connect_flows). */
export function createPostgresConnectFlowStore(pool: PgPool): Async<ConnectFlowStore> {
  return {
    async insert(idHash, payload, expiresAt, now) {
      await pool.query('DELETE FROM vault_connect_flows WHERE expires_at < $1', [now]);
      await pool.query('INSERT INTO vault_connect_flows (id_hash, payload, expires_at) VALUES ($1, $2, $3)', [idHash, payload, expiresAt]);
    },
    get: async (idHash, now) =>
      (await pool.query<{ payload: string }>('SELECT payload FROM vault_connect_flows WHERE id_hash = $1 AND expires_at >= $2', [idHash, now])).rows[0]?.payload,
    update: async (idHash, payload) => void (await pool.query('UPDATE vault_connect_flows SET payload = $1 WHERE id_hash = $2', [payload, idHash])),
    delete: async (idHash) => ((await pool.query('DELETE FROM vault_connect_flows WHERE id_hash = $1', [idHash])).rowCount ?? 0) > 0,
  };
}
