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
 * The verdict from the key's hits in the window before this one (`inWindow`) and the time of the
 * `limit`-th latest of them (`nth`, present once there are that many): below the limit the hit is
 * allowed and counts itself.
 */
export function verdict(inWindow: number, nth: number | null | undefined, limit: number): RateLimitHit {
  if (inWindow < limit) return { allowed: true, used: inWindow + 1 };
  if (nth === null || nth === undefined) throw new Error('a full rate-limit window has no limit-th latest hit');
  return { allowed: false, used: inWindow, oldestInWindow: nth };
}
