import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../../../src/store/ports/rate-limit-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T = 10 * HOUR;

/** The store under test, and how many hit rows its storage holds (to prove pruning). */
export interface RateLimitFixture {
  readonly limits: RateLimitStore;
  rows(): Promise<number>;
}

export function describeRateLimitStoreContract(name: string, makeStore: MakeStore<RateLimitFixture>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let fixture: StoreFixture<RateLimitFixture> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('allows `limit` hits in the window, then refuses without recording, naming the oldest counted hit', async () => {
      const { store } = open();
      const { limits } = store;
      expect(await limits.hit('k', T, MINUTE, 3)).toEqual({ allowed: true, used: 1 });
      expect(await limits.hit('k', T + 10_000, MINUTE, 3)).toEqual({ allowed: true, used: 2 });
      expect(await limits.hit('k', T + 20_000, MINUTE, 3)).toEqual({ allowed: true, used: 3 });
      expect(await limits.hit('k', T + 30_000, MINUTE, 3)).toEqual({ allowed: false, used: 3, oldestInWindow: T });
      expect(await limits.hit('k', T + 40_000, MINUTE, 3)).toEqual({ allowed: false, used: 3, oldestInWindow: T });
      expect(await store.rows()).toBe(3);
    });

    it('the window is (now - windowMs, now]: a hit counts until it is exactly a window old, and refused hits do not extend it', async () => {
      const { store } = open();
      const { limits } = store;
      expect(await limits.hit('k', T, MINUTE, 1)).toMatchObject({ allowed: true, used: 1 });
      expect(await limits.hit('k', T + MINUTE - 1, MINUTE, 1)).toEqual({ allowed: false, used: 1, oldestInWindow: T });
      expect(await limits.hit('k', T + MINUTE, MINUTE, 1)).toEqual({ allowed: true, used: 1 });
      expect(await limits.hit('k', T + MINUTE + 1, MINUTE, 1)).toEqual({ allowed: false, used: 1, oldestInWindow: T + MINUTE });
    });

    it('with more hits in the window than a lowered limit, the slot frees when the limit-th latest leaves', async () => {
      const { store } = open();
      const { limits } = store;
      for (const dt of [0, 10_000, 20_000]) expect(await limits.hit('k', T + dt, MINUTE, 3)).toMatchObject({ allowed: true });
      expect(await limits.hit('k', T + 30_000, MINUTE, 2)).toEqual({ allowed: false, used: 3, oldestInWindow: T + 10_000 });
      expect(await limits.hit('k', T + MINUTE + 10_000, MINUTE, 2)).toEqual({ allowed: true, used: 2 });
    });

    it('keeps each key apart', async () => {
      const { store } = open();
      const { limits } = store;
      expect(await limits.hit('send_email alice', T, MINUTE, 1)).toMatchObject({ allowed: true });
      expect(await limits.hit('send_email alice', T, MINUTE, 1)).toMatchObject({ allowed: false });
      expect(await limits.hit('send_email bob', T, MINUTE, 1)).toEqual({ allowed: true, used: 1 });
      expect(await limits.hit('purchase alice', T, MINUTE, 1)).toEqual({ allowed: true, used: 1 });
      // Keys are opaque: any text, of any length, one key each.
      expect(await limits.hit('send_email alice\u0000x', T, MINUTE, 1)).toEqual({ allowed: true, used: 1 });
      expect(await limits.hit('x'.repeat(10_000), T, MINUTE, 1)).toEqual({ allowed: true, used: 1 });
      expect(await limits.hit('x'.repeat(10_000), T, MINUTE, 1)).toMatchObject({ allowed: false });
    });

    it('prunes hits that have left their window (the table stays bounded) and keeps those still in theirs', async () => {
      const { store } = open();
      const { limits } = store;
      for (let i = 0; i < 5; i++) await limits.hit(`short ${i % 2}`, T, MINUTE, 10);
      await limits.hit('long', T, HOUR, 10);
      expect(await store.rows()).toBe(6);
      // Two minutes later, one hit on any key: the five one-minute hits are gone, the one-hour hit stays and counts.
      expect(await limits.hit('other', T + 2 * MINUTE, MINUTE, 10)).toEqual({ allowed: true, used: 1 });
      expect(await store.rows()).toBe(2);
      expect(await limits.hit('long', T + 2 * MINUTE, HOUR, 10)).toEqual({ allowed: true, used: 2 });
      expect(await limits.hit('short 0', T + 2 * MINUTE, MINUTE, 10)).toEqual({ allowed: true, used: 1 });
    });

    it('refuses a limit below 1, a window that is not a positive integer or a time that is not an integer, and records nothing', async () => {
      const { store } = open();
      const { limits } = store;
      for (const [now, windowMs, limit] of [[T, MINUTE, 0], [T, MINUTE, 1.5], [T, 0, 3], [T, -MINUTE, 3], [T, Number.NaN, 3], [Number.NaN, MINUTE, 3], [T + 0.5, MINUTE, 3]] as const) {
        await expect(limits.hit('k', now, windowMs, limit)).rejects.toThrow(RangeError);
      }
      expect(await store.rows()).toBe(0);
    });

    it('serialises hits from several handles on the same storage: each sees all before it', async () => {
      const { store, other } = open();
      const handles = [store, other(), other()].map((f) => f.limits);
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push(await handles[i % 3]!.hit('k', T + i, MINUTE, 4));
      expect(seen).toEqual([
        { allowed: true, used: 1 },
        { allowed: true, used: 2 },
        { allowed: true, used: 3 },
        { allowed: true, used: 4 },
        { allowed: false, used: 4, oldestInWindow: T },
        { allowed: false, used: 4, oldestInWindow: T },
      ]);
    });

    it('30 hits fired at once on three handles against a limit of 10: exactly 10 allowed, each with its own count', async () => {
      const { store, other } = open();
      const handles = [store, other(), other()].map((f) => f.limits);
      const seen = await Promise.all(Array.from({ length: 30 }, (_, i) => handles[i % 3]!.hit('k', T, MINUTE, 10)));
      const allowed = seen.filter((r) => r.allowed);
      expect(allowed).toHaveLength(10);
      expect(allowed.map((r) => r.used).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(seen.filter((r) => !r.allowed)).toEqual(Array.from({ length: 20 }, () => ({ allowed: false, used: 10, oldestInWindow: T })));
      expect(await store.rows()).toBe(10);
    });
  });
}
