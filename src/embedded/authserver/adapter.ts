import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { SqliteDatabase } from '../../store/sqlite/database.js';

/**
 * oidc-provider storage on our SQLite database (table `oidc_models`, migration 002-authserver), so
 * clients, grants, sessions, interactions, codes and refresh tokens survive a restart. Never the built-in
 * memory adapter: it is a process-wide LRU shared by every Provider instance.
 */
export function sqliteAdapterFactory(db: SqliteDatabase): (model: string) => Adapter {
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
  };

  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      q.upsert.run({
        model,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null,
      });
    },
    async find(id) {
      return toPayload(q.find.get(model, id));
    },
    async findByUid(uid) {
      return toPayload(q.findByUid.get(model, uid));
    },
    async findByUserCode(userCode) {
      return toPayload(q.findByUserCode.get(model, userCode));
    },
    async consume(id) {
      q.consume.run(Math.floor(Date.now() / 1000), model, id);
    },
    async destroy(id) {
      q.destroy.run(model, id);
    },
    async revokeByGrantId(grantId) {
      q.revokeByGrantId.run(grantId);
    },
  });
}

/** Deletes expired rows; oidc-provider never asks for them again. Returns how many were removed. */
export function deleteExpired(db: SqliteDatabase, now = Date.now()): number {
  return db.prepare('DELETE FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now).changes;
}

interface Row {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

function toPayload(row: unknown): AdapterPayload | undefined {
  if (!row) return undefined;
  const { payload, expires_at: expiresAt, consumed_at: consumedAt } = row as Row;
  if (expiresAt !== null && expiresAt <= Date.now()) return undefined;
  const parsed = JSON.parse(payload) as AdapterPayload;
  return consumedAt === null ? parsed : { ...parsed, consumed: consumedAt };
}
