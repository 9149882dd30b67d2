import type { Migration } from './index.js';

/**
 * Signed checkpoints of the audit chain and the anchor of a pruned log. A checkpoint row keeps the
 * signed JWS as written (its seq and hash are copies for lookups; a verifier trusts only the signed
 * payload); `verified_at` marks the checkpoints up to which `audit verify` has checked the chain, so the
 * next run starts there. The anchor is the checkpoint at the cut of the last prune: the remaining chain
 * links to it.
 */
export const auditCheckpoints: Migration = {
  id: '013-audit-checkpoints',
  up: `
    CREATE TABLE audit_checkpoints (
      seq          INTEGER PRIMARY KEY,
      hash         TEXT NOT NULL,
      at           TEXT NOT NULL,
      jws          TEXT NOT NULL,
      verified_at  TEXT
    );
    CREATE TABLE audit_anchor (
      id    INTEGER PRIMARY KEY CHECK (id = 1),
      seq   INTEGER NOT NULL,
      hash  TEXT NOT NULL,
      at    TEXT NOT NULL,
      jws   TEXT NOT NULL
    );
  `,
};
