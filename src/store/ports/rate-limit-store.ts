/**
 * Sliding-log rate limits shared by every instance on the Store: one row per counted hit, per key.
 * A key is an opaque string chosen by the caller (the rate-limit gate hashes tool and caller into it).
 */
export interface RateLimitHit {
  /** Whether this hit was counted (the key had fewer than `limit` hits in the window before it). */
  readonly allowed: boolean;
  /** Hits of this key in the window: including this one when allowed, those that refused it when not. */
  readonly used: number;
  /**
   * When refused: the time (epoch ms) of the oldest of the `limit` latest hits in the window. Once it
   * is a whole window old a slot frees.
   */
  readonly oldestInWindow?: number;
}

export interface RateLimitStore {
  /**
   * Checks and records as one unit: counts the key's hits in (now - windowMs, now] and, below `limit`,
   * records this one. Concurrent hits (in this process or another on the same Store) are serialised,
   * so no more than `limit` are ever allowed in a window. A refused hit is not recorded. Hits that
   * have left their window are pruned from time to time, so the table stays bounded.
   */
  hit(key: string, now: number, windowMs: number, limit: number): Promise<RateLimitHit>;
}
