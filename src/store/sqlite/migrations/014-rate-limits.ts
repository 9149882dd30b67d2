import type { Migration } from './index.js';

/**
 * Rate-limit hits: one row per call a rate limit counted, per key (a SHA-256 of the opaque key: the
 * gate's is tool and caller). A row counts while `at` is inside its window and is pruned once
 * `expires_at` (at + window) has passed, whatever its key. Times are milliseconds since the epoch.
 */
export const rateLimits: Migration = {
  id: '014-rate-limits',
  up: `
    CREATE TABLE rate_limit_hits (
      id          INTEGER PRIMARY KEY,
      key_hash    TEXT NOT NULL,
      at          INTEGER NOT NULL,
      expires_at  INTEGER NOT NULL
    );
    CREATE INDEX rate_limit_hits_window ON rate_limit_hits (key_hash, at);
    CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (expires_at);
  `,
};
