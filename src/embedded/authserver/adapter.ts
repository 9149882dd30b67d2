import type { Adapter, AdapterPayload } from 'oidc-provider';
import { sha256, type SqliteDatabase } from '../../store/sqlite/database.js';

/**
 * Models whose id is itself a credential: the value of a code or token, or of a session or interaction
 * cookie. Their rows are keyed by SHA-256 of the id and the payload's copy of it (`jti`) is not stored,
 * so a copy of the database holds no working code, token or cookie. Migration 007-at-rest re-keys rows
 * written before, 012-ciba-at-rest the CIBA requests. Clients and grants are looked up by public
 * identifiers and stay as they are. The /device page lists and answers CIBA requests by their row key
 * (the hash), never by auth_req_id (device-approvals.ts). DeviceCode (device flow, not enabled) stays:
 * it is found by user code and saved again, which needs its jti.
 */
export const HASHED_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'Session',
  'Interaction',
  'RegistrationAccessToken',
  'InitialAccessToken',
  'PushedAuthorizationRequest',
  'BackchannelAuthenticationRequest',
]);

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

  return (model: string): Adapter => {
    const hashed = HASHED_MODELS.has(model);
    const key = (id: string) => (hashed ? sha256(id) : id);
    return {
      async upsert(id, payload, expiresIn) {
        q.upsert.run({
          model,
          id: key(id),
          payload: JSON.stringify(hashed ? atRest(model, payload) : payload),
          grantId: payload.grantId ?? null,
          userCode: payload.userCode ?? null,
          uid: payload.uid ?? null,
          expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null,
        });
      },
      async find(id) {
        return withId(toPayload(q.find.get(model, key(id))), hashed ? id : undefined);
      },
      async findByUid(uid) {
        // A Session's uid is an internal reference, not its cookie. oidc-provider looks sessions up by
        // uid only to compare account and grant, never to save them, so the missing jti does no harm.
        return toPayload(q.findByUid.get(model, uid));
      },
      async findByUserCode(userCode) {
        return toPayload(q.findByUserCode.get(model, userCode));
      },
      async consume(id) {
        q.consume.run(Math.floor(Date.now() / 1000), model, key(id));
      },
      async destroy(id) {
        q.destroy.run(model, key(id));
      },
      async revokeByGrantId(grantId) {
        q.revokeByGrantId.run(grantId);
      },
    };
  };
}

/** Deletes expired rows; oidc-provider never asks for them again. Returns how many were removed. */
export function deleteExpired(db: SqliteDatabase, now = Date.now()): number {
  return db.prepare('DELETE FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now).changes;
}

/** The payload as stored for a hashed model: without the id (`jti`), nor an interaction's session cookie. */
function atRest(model: string, payload: AdapterPayload): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  if (model === 'Interaction' && rest.session && typeof rest.session === 'object') {
    const { cookie: _cookie, ...session } = rest.session as Record<string, unknown>;
    return { ...rest, session } as AdapterPayload;
  }
  return rest;
}

/** Puts the id oidc-provider asked for back as the payload's `jti`, as it was before storage. */
function withId(payload: AdapterPayload | undefined, id: string | undefined): AdapterPayload | undefined {
  return payload && id !== undefined ? { ...payload, jti: id } : payload;
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
