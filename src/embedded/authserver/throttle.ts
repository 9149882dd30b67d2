import type { IncomingMessage } from 'node:http';

/** Milliseconds since the epoch; injectable so tests move time instead of sleeping. */
export type Clock = () => number;

/**
 * The client address the per-address throttles count against: the TCP peer. X-Forwarded-For,
 * Forwarded and X-Real-IP are never read (anyone can send them), so behind a reverse proxy every
 * client shares the proxy's address and budget.
 */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

const MAX_KEYS = 10_000;

/**
 * A sliding-window counter per key, in memory and per server instance (bounded: the oldest key is
 * dropped past 10 000). Used for failed logins (per user, per address), registrations (per address)
 * and backchannel requests (per client). `retryAfterMs` > 0 means the key is at its limit.
 */
export class WindowCounter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  /** How long until one more hit is allowed; 0 when it is allowed now. */
  retryAfterMs(key: string): number {
    const hits = this.#live(key);
    if (hits.length < this.limit) return 0;
    return Math.max(1, hits[hits.length - this.limit]! + this.windowMs - this.now());
  }

  add(key: string): void {
    const hits = this.#live(key);
    hits.push(this.now());
    this.#hits.delete(key);
    if (this.#hits.size >= MAX_KEYS) this.#hits.delete(this.#hits.keys().next().value!);
    this.#hits.set(key, hits.slice(-this.limit));
  }

  /** Records a hit unless the key is at its limit; returns the wait (ms) when it is, else 0. */
  take(key: string): number {
    const wait = this.retryAfterMs(key);
    if (wait === 0) this.add(key);
    return wait;
  }

  clear(key: string): void {
    this.#hits.delete(key);
  }

  #live(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.#hits.get(key) ?? []).filter((t) => t > since);
  }
}

/** Seconds for a Retry-After header (at least 1). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
