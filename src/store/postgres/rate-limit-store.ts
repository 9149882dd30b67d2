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
        const { rows } = await c.query<{ at: number; n: number }>(
          'SELECT at, count(*) OVER () AS n FROM rate_limit_hits WHERE key_hash = $1 AND at > $2 ORDER BY at DESC LIMIT $3',
          [hash, now - windowMs, limit],
        );
        const v = verdict(rows, limit);
        if (v.allowed) await c.query('INSERT INTO rate_limit_hits (key_hash, at, expires_at) VALUES ($1, $2, $3)', [hash, now, now + windowMs]);
        return v;
      });
    },
  };
}
