import { WindowCounter, type Clock } from './throttle.js';

export const FAILED_LOGINS_PER_USER = 10;
export const FAILED_LOGINS_PER_ADDRESS = 100;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Brute-force protection for the password form, as Auth0's: failed logins are counted per username
 * and per client address over a sliding window; at the limit every attempt is refused with
 * `too_many_attempts` (the right password too) until the window has passed. A successful login
 * clears its user's count. In memory, per server instance.
 */
export class LoginThrottle {
  readonly #perUser: WindowCounter;
  readonly #perAddress: WindowCounter;

  constructor(now: Clock = Date.now) {
    this.#perUser = new WindowCounter(FAILED_LOGINS_PER_USER, FAILED_LOGIN_WINDOW_MS, now);
    this.#perAddress = new WindowCounter(FAILED_LOGINS_PER_ADDRESS, FAILED_LOGIN_WINDOW_MS, now);
  }

  /** Milliseconds until this user may try again from this address; 0 = go ahead. */
  blockedFor(username: string, address: string): number {
    return Math.max(this.#perUser.retryAfterMs(userKey(username)), this.#perAddress.retryAfterMs(address));
  }

  failed(username: string, address: string): void {
    this.#perUser.add(userKey(username));
    this.#perAddress.add(address);
  }

  /** The address alone, for a check made before a form is read (the device page's sign-in). */
  blockedForAddress(address: string): number {
    return this.#perAddress.retryAfterMs(address);
  }

  succeeded(username: string): void {
    this.#perUser.clear(userKey(username));
  }
}

/** Bounded: memory per key stays small whatever an attacker types as a username. */
const userKey = (username: string) => username.trim().toLowerCase().slice(0, 128);
