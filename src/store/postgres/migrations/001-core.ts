import type { PostgresMigration } from './index.js';

/**
 * The audit hash chain: entries by `seq` (export and pruning scan by `seq`, so no index on the time
 * that every append would pay for), the head kept apart so a removed tail is visible, signed
 * checkpoints kept as written (`seq`, `hash`, `at` are copies for lookups; a verifier trusts only the
 * signed JWS) with the time `audit verify` last proved the chain up to each, and the anchor of a
 * pruned log. Times are ISO 8601 UTC text compared
 * byte-wise (COLLATE "C"), as the SQLite Store compares them.
 */
export const core: PostgresMigration = {
  id: '001-core',
  up: `
    CREATE TABLE audit_log (
      seq        BIGINT PRIMARY KEY,
      at         TEXT COLLATE "C" NOT NULL,
      event      TEXT NOT NULL,
      data       TEXT NOT NULL,
      prev_hash  TEXT NOT NULL,
      hash       TEXT NOT NULL
    );
    CREATE TABLE audit_head (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      seq        BIGINT NOT NULL,
      hash       TEXT NOT NULL
    );
    CREATE TABLE audit_checkpoints (
      seq          BIGINT PRIMARY KEY,
      hash         TEXT NOT NULL,
      at           TEXT NOT NULL,
      jws          TEXT NOT NULL,
      verified_at  TEXT
    );
    CREATE TABLE audit_anchor (
      id    INTEGER PRIMARY KEY CHECK (id = 1),
      seq   BIGINT NOT NULL,
      hash  TEXT NOT NULL,
      at    TEXT NOT NULL,
      jws   TEXT NOT NULL
    );
  `,
};
