import type { OidcModelRecord, OidcModelStore } from '../ports/oidc-model-store.js';
import type { PgPool } from './database.js';

interface Row {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

const toRecord = (r: Row | undefined): OidcModelRecord | undefined => (r ? { payload: r.payload, expiresAt: r.expires_at, consumedAt: r.consumed_at } : undefined);

/** The authorization server's models in PostgreSQL (table oidc_models). */
export function createPostgresOidcModelStore(pool: PgPool): OidcModelStore {
  const find = async (sql: string, params: unknown[]) => toRecord((await pool.query<Row>(sql, params)).rows[0]);
  return {
    upsert: async (model, id, w) =>
      void (await pool.query(
        `INSERT INTO oidc_models (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
         ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
        [model, id, w.payload, w.grantId, w.userCode, w.uid, w.expiresAt],
      )),
    find: (model, key) => find('SELECT payload, expires_at, consumed_at FROM oidc_models WHERE model = $1 AND id = $2', [model, key]),
    findByUid: (model, uid) => find('SELECT payload, expires_at, consumed_at FROM oidc_models WHERE model = $1 AND uid = $2', [model, uid]),
    findByUserCode: (model, userCode) => find('SELECT payload, expires_at, consumed_at FROM oidc_models WHERE model = $1 AND user_code = $2', [model, userCode]),
    consume: async (model, key, at) => void (await pool.query('UPDATE oidc_models SET consumed_at = $1 WHERE model = $2 AND id = $3', [at, model, key])),
    destroy: async (model, key) => void (await pool.query('DELETE FROM oidc_models WHERE model = $1 AND id = $2', [model, key])),
    revokeByGrantId: async (grantId) => void (await pool.query('DELETE FROM oidc_models WHERE grant_id = $1', [grantId])),
    deleteExpired: async (now) => (await pool.query('DELETE FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= $1', [now])).rowCount ?? 0,
  };
}
