import type { ConnectFlowStore } from '../ports/connect-flow-store.js';
import type { SqliteDatabase } from './database.js';

/** Connect flows in the SQLite Store (table vault_connect_flows). */
export function createSqliteConnectFlowStore(db: SqliteDatabase): ConnectFlowStore {
  const prune = db.prepare('DELETE FROM vault_connect_flows WHERE expires_at < ?');
  const insert = db.prepare('INSERT INTO vault_connect_flows (id_hash, payload, expires_at) VALUES (?, ?, ?)');
  const get = db.prepare('SELECT payload FROM vault_connect_flows WHERE id_hash = ? AND expires_at >= ?');
  const update = db.prepare('UPDATE vault_connect_flows SET payload = ? WHERE id_hash = ? AND payload = ?');
  const remove = db.prepare('DELETE FROM vault_connect_flows WHERE id_hash = ?');
  return {
    async insert(idHash, payload, expiresAt, now) {
      prune.run(now);
      insert.run(idHash, payload, expiresAt);
    },
    get: async (idHash, now) => (get.get(idHash, now) as { payload: string } | undefined)?.payload,
    update: async (idHash, expected, payload) => update.run(payload, idHash, expected).changes === 1,
    delete: async (idHash) => remove.run(idHash).changes > 0,
  };
}
