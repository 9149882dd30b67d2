import type { RateLimitHit, RateLimitStore } from '../ports/rate-limit-store.js';
import { checkHit, keyHash, PRUNE_EVERY_MS, verdict } from '../rate-limit-hits.js';
import type { SqliteDatabase } from './database.js';

/**
 * Rate limits in the SQLite Store (migration 014-rate-limits): each hit is one BEGIN IMMEDIATE
 * transaction (count the key's window, record the hit when below the limit), so every process on the
 * data dir's file takes its turn and sees every hit before it.
 */
export function createSqliteRateLimitStore(db: SqliteDatabase): RateLimitStore {
  const latest = db.prepare('SELECT at, count(*) OVER () AS n FROM rate_limit_hits WHERE key_hash = ? AND at > ? ORDER BY at DESC LIMIT ?');
  const insert = db.prepare('INSERT INTO rate_limit_hits (key_hash, at, expires_at) VALUES (?, ?, ?)');
  const prune = db.prepare('DELETE FROM rate_limit_hits WHERE expires_at <= ?');
  let lastPrune = -Infinity;
  const hitTx = db.transaction((hash: string, now: number, windowMs: number, limit: number): RateLimitHit => {
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      prune.run(now);
      lastPrune = now;
    }
    const rows = latest.all(hash, now - windowMs, limit) as { at: number; n: number }[];
    const v = verdict(rows, limit);
    if (v.allowed) insert.run(hash, now, now + windowMs);
    return v;
  });
  return {
    hit: async (key, now, windowMs, limit) => {
      checkHit(now, windowMs, limit);
      return hitTx.immediate(keyHash(key), now, windowMs, limit);
    },
  };
}
