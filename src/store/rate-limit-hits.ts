import { createHash } from 'node:crypto';
import type { RateLimitHit } from './ports/rate-limit-store.js';

/** How often (per handle) hits whose window has passed are deleted, whatever their key. */
export const PRUNE_EVERY_MS = 60_000;

/** The stored form of a key: fixed length, any text in (a caller's subject has no length limit). */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** Refuses arguments no limit can be kept with (the stores would otherwise count nonsense). */
export function checkHit(now: number, windowMs: number, limit: number): void {
  if (!Number.isSafeInteger(now) || !Number.isSafeInteger(windowMs) || windowMs <= 0 || !Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError('a rate-limit hit needs an integer time, a positive integer window and a limit of at least 1');
  }
}

/**
 * The verdict from the key's latest hits in the window (newest first, at most `limit` of them, each
 * row carrying the window's total `n`): below the limit the hit is allowed and counts itself.
 */
export function verdict(rows: readonly { readonly at: number; readonly n: number }[], limit: number): RateLimitHit {
  const inWindow = rows.length === 0 ? 0 : Number(rows[0]!.n);
  if (inWindow < limit) return { allowed: true, used: inWindow + 1 };
  return { allowed: false, used: inWindow, oldestInWindow: Number(rows[limit - 1]!.at) };
}
