import type { PostgresMigration } from './index.js';

/**
 * Rate-limit hits shared by every instance: one row per counted call, per key (a SHA-256 of the opaque
 * key), counted while `at` is inside its window (epoch ms) and pruned once `expires_at` has passed.
 * Hits of one key are serialised by a transaction-scoped advisory lock on it.
 */
export const rateLimits: PostgresMigration = {
  id: '008-rate-limits',
  up: `
    CREATE TABLE rate_limit_hits (
      id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      key_hash    TEXT NOT NULL,
      at          BIGINT NOT NULL,
      expires_at  BIGINT NOT NULL
    );
    CREATE INDEX rate_limit_hits_window ON rate_limit_hits (key_hash, at);
    CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (expires_at);
  `,
};
