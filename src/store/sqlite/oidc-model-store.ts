import type { OidcModelRecord, OidcModelStore } from '../ports/oidc-model-store.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

const toRecord = (row: unknown): OidcModelRecord | undefined => {
  if (!row) return undefined;
  const r = row as Row;
  return { payload: r.payload, expiresAt: r.expires_at, consumedAt: r.consumed_at };
};

/** The authorization server's models in the SQLite Store (table oidc_models, migration 002-authserver). */
export function createSqliteOidcModelStore(db: SqliteDatabase): OidcModelStore {
  const q = {
    upsert: db.prepare(`
      INSERT INTO oidc_models (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
      VALUES (@model, @id, @payload, @grantId, @userCode, @uid, @expiresAt, NULL)
      ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
        user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`),
    find: db.prepare('SELECT payload, expires_at, consumed_at FROM oidc_models WHERE model = ? AND id = ?'),
    findByUid: db.prepare('SELECT payload, expires_at, consumed_at FROM oidc_models WHERE model = ? AND uid = ?'),
    findByUserCode: db.prepare('SELECT payload, expires_at, consumed_at FROM oidc_models WHERE model = ? AND user_code = ?'),
    consume: db.prepare('UPDATE oidc_models SET consumed_at = ? WHERE model = ? AND id = ?'),
    destroy: db.prepare('DELETE FROM oidc_models WHERE model = ? AND id = ?'),
    revokeByGrantId: db.prepare('DELETE FROM oidc_models WHERE grant_id = ?'),
    deleteExpired: db.prepare('DELETE FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= ?'),
  };
  return {
    upsert: async (model, id, w) => void q.upsert.run({ model, id, ...w }),
    find: async (model, key) => toRecord(q.find.get(model, key)),
    findByUid: async (model, uid) => toRecord(q.findByUid.get(model, uid)),
    findByUserCode: async (model, userCode) => toRecord(q.findByUserCode.get(model, userCode)),
    consume: async (model, key, at) => void q.consume.run(at, model, key),
    destroy: async (model, key) => void q.destroy.run(model, key),
    revokeByGrantId: async (grantId) => void q.revokeByGrantId.run(grantId),
    deleteExpired: async (now) => q.deleteExpired.run(now).changes,
  };
}
