import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OidcModelRecord, OidcModelStore } from '../../store/ports/oidc-model-store.js';
import { sha256, type SqliteDatabase } from '../../store/sqlite/database.js';
import { createSqliteOidcModelStore } from '../../store/sqlite/oidc-model-store.js';

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
 * oidc-provider storage on an OidcModelStore, so clients, grants, sessions, interactions, codes and
 * refresh tokens survive a restart. Never the built-in memory adapter: it is a process-wide LRU shared
 * by every Provider instance.
 */
export function adapterFactory(store: OidcModelStore): (model: string) => Adapter {
  return (model: string): Adapter => {
    const hashed = HASHED_MODELS.has(model);
    const key = (id: string) => (hashed ? sha256(id) : id);
    return {
      async upsert(id, payload, expiresIn) {
        await store.upsert(model, key(id), {
          payload: JSON.stringify(hashed ? atRest(model, payload) : payload),
          grantId: payload.grantId ?? null,
          userCode: payload.userCode ?? null,
          uid: payload.uid ?? null,
          expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null,
        });
      },
      async find(id) {
        return withId(toPayload(await store.find(model, key(id))), hashed ? id : undefined);
      },
      async findByUid(uid) {
        // A Session's uid is an internal reference, not its cookie. oidc-provider looks sessions up by
        // uid only to compare account and grant, never to save them, so the missing jti does no harm.
        return toPayload(await store.findByUid(model, uid));
      },
      async findByUserCode(userCode) {
        return toPayload(await store.findByUserCode(model, userCode));
      },
      async consume(id) {
        await store.consume(model, key(id), Math.floor(Date.now() / 1000));
      },
      async destroy(id) {
        await store.destroy(model, key(id));
      },
      async revokeByGrantId(grantId) {
        await store.revokeByGrantId(grantId);
      },
    };
  };
}

/** The adapter on the SQLite Store (table `oidc_models`). */
export function sqliteAdapterFactory(db: SqliteDatabase): (model: string) => Adapter {
  return adapterFactory(createSqliteOidcModelStore(db));
}

/** Deletes expired rows; oidc-provider never asks for them again. Returns how many were removed. */
export function deleteExpired(db: SqliteDatabase, now = Date.now()): Promise<number> {
  return createSqliteOidcModelStore(db).deleteExpired(now);
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

function toPayload(record: OidcModelRecord | undefined): AdapterPayload | undefined {
  if (!record) return undefined;
  if (record.expiresAt !== null && record.expiresAt <= Date.now()) return undefined;
  const parsed = JSON.parse(record.payload) as AdapterPayload;
  return record.consumedAt === null ? parsed : { ...parsed, consumed: record.consumedAt };
}
