import type { RateLimitHit, RateLimitStore } from '../ports/rate-limit-store.js';
import { checkHit, keyHash, PRUNE_EVERY_MS, verdict } from '../rate-limit-hits.js';
import { inTransaction, LOCKS, type PgPool } from './database.js';

/**
 * Rate limits in PostgreSQL (table rate_limit_hits), one limit for every instance on the database. A
 * hit holds a transaction-scoped advisory lock on its key while it counts the window and records
 * itself, so hits from every instance are serialised and each sees all before it; different keys
 * never wait for each other. The periodic prune skips rows another prune holds, so it never waits.
 */
export function createPostgresRateLimitStore(pool: PgPool): RateLimitStore {
  let lastPrune = -Infinity;
  return {
    hit: async (key, now, windowMs, limit) => {
      checkHit(now, windowMs, limit);
      const hash = keyHash(key);
      return inTransaction(pool, async (c): Promise<RateLimitHit> => {
        if (now - lastPrune >= PRUNE_EVERY_MS) {
          lastPrune = now;
          await c.query('DELETE FROM rate_limit_hits WHERE id IN (SELECT id FROM rate_limit_hits WHERE expires_at <= $1 FOR UPDATE SKIP LOCKED)', [now]);
        }
        await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS.rateLimit, hash]);
        // One statement (one snapshot, taken after the lock): count the window, record the hit when
        // below the limit, and name the limit-th latest hit (the one whose leaving frees a slot).
        const { rows } = await c.query<{ n: number; nth: number | null }>(
          `WITH w AS (SELECT count(*)::int AS n FROM rate_limit_hits WHERE key_hash = $1 AND at > $2),
                recorded AS (INSERT INTO rate_limit_hits (key_hash, at, expires_at) SELECT $1, $3::bigint, $4::bigint FROM w WHERE w.n < $5 RETURNING 1)
           SELECT w.n, (SELECT at FROM rate_limit_hits WHERE key_hash = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $5 - 1) AS nth FROM w`,
          [hash, now - windowMs, now, now + windowMs, limit],
        );
        return verdict(rows[0]!.n, rows[0]!.nth, limit);
      });
    },
  };
}
