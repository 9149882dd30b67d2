import type { RateLimitHit, RateLimitStore } from '../ports/rate-limit-store.js';
import { checkHit, keyHash, PRUNE_EVERY_MS, verdict } from '../rate-limit-hits.js';
import type { SqliteDatabase } from './database.js';

/**
 * Rate limits in the SQLite Store (migration 014-rate-limits): each hit is one BEGIN IMMEDIATE
 * transaction (count the key's window from its index, record the hit when below the limit), so every
 * process on the data dir's file takes its turn and sees every hit before it.
 */
export function createSqliteRateLimitStore(db: SqliteDatabase): RateLimitStore {
  const count = db.prepare('SELECT count(*) FROM rate_limit_hits WHERE key_hash = ? AND at > ?').pluck();
  const nth = db.prepare('SELECT at FROM rate_limit_hits WHERE key_hash = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?').pluck();
  const insert = db.prepare('INSERT INTO rate_limit_hits (key_hash, at, expires_at) VALUES (?, ?, ?)');
  const prune = db.prepare('DELETE FROM rate_limit_hits WHERE expires_at <= ?');
  let lastPrune = -Infinity;
  const hitTx = db.transaction((hash: string, now: number, windowMs: number, limit: number): RateLimitHit => {
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      prune.run(now);
      lastPrune = now;
    }
    const since = now - windowMs;
    const inWindow = count.get(hash, since) as number;
    if (inWindow < limit) insert.run(hash, now, now + windowMs);
    return verdict(inWindow, inWindow < limit ? undefined : (nth.get(hash, since, limit - 1) as number | undefined), limit);
  });
  return {
    hit: async (key, now, windowMs, limit) => {
      checkHit(now, windowMs, limit);
      return hitTx.immediate(keyHash(key), now, windowMs, limit);
    },
  };
}
