/** One stored model of the authorization server (a client, grant, session, code, token...), as JSON text. */
export interface OidcModelRecord {
  readonly payload: string;
  /** Epoch milliseconds; null when it does not expire. */
  readonly expiresAt: number | null;
  /** Epoch seconds when it was consumed; null while unused. */
  readonly consumedAt: number | null;
}

export interface OidcModelWrite {
  readonly payload: string;
  readonly grantId: string | null;
  readonly userCode: string | null;
  readonly uid: string | null;
  readonly expiresAt: number | null;
}

/**
 * Storage of the embedded authorization server's models, keyed by (model, key). The key is whatever the
 * adapter chooses (a hash for credential-like models); this store never interprets payloads. Lookups
 * return the record as stored, expired or not: the adapter decides what an expired record means.
 */
export interface OidcModelStore {
  /** Inserts or replaces; a replaced record keeps its consumedAt. */
  upsert(model: string, key: string, write: OidcModelWrite): Promise<void>;
  find(model: string, key: string): Promise<OidcModelRecord | undefined>;
  findByUid(model: string, uid: string): Promise<OidcModelRecord | undefined>;
  findByUserCode(model: string, userCode: string): Promise<OidcModelRecord | undefined>;
  /** Marks the record consumed at `at` (epoch seconds); an unknown record is a no-op. */
  consume(model: string, key: string, at: number): Promise<void>;
  destroy(model: string, key: string): Promise<void>;
  /** Removes every record of the grant, whatever its model. */
  revokeByGrantId(grantId: string): Promise<void>;
  /** Removes records whose expiry is at or before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}
