import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetStore, ReserveRequest } from '../../../src/store/ports/budget-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const HOUR = 3_600_000;
const req = (over: Partial<ReserveRequest> = {}): ReserveRequest => ({
  tool: 'purchase',
  sub: 'alice',
  currency: 'EUR',
  amount: 40,
  limit: 100,
  windowMs: HOUR,
  digest: 'D'.repeat(43),
  now: 10 * HOUR,
  ...over,
});

export function describeBudgetStoreContract(name: string, makeStore: MakeStore<BudgetStore>): void {
  describe(`BudgetStore contract: ${name}`, () => {
    let fixture: StoreFixture<BudgetStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('counts what was reserved before, up to and including the limit', async () => {
      const { store } = open();
      expect(await store.reserve(req({ amount: 60 }))).toMatchObject({ used: 0, within: true });
      expect(await store.reserve(req({ amount: 40 }))).toMatchObject({ used: 60, within: true }); // exactly at the limit
      expect(await store.reserve(req({ amount: 1 }))).toMatchObject({ used: 100, within: false });
    });

    it('keeps counting an over-limit reservation until it is released', async () => {
      const { store } = open();
      const over = await store.reserve(req({ amount: 150 }));
      expect(over).toMatchObject({ used: 0, within: false });
      expect(await store.reserve(req({ amount: 10 }))).toMatchObject({ used: 150, within: false });
      await store.release(over.id);
      expect(await store.reserve(req({ amount: 10 }))).toMatchObject({ used: 10, within: true });
    });

    it('keeps each user, tool and currency apart', async () => {
      const { store } = open();
      await store.reserve(req({ amount: 90 }));
      expect(await store.reserve(req({ sub: 'bob' }))).toMatchObject({ used: 0, within: true });
      expect(await store.reserve(req({ tool: 'refund' }))).toMatchObject({ used: 0, within: true });
      expect(await store.reserve(req({ currency: 'USD' }))).toMatchObject({ used: 0, within: true });
      expect(await store.reserve(req({ amount: 10 }))).toMatchObject({ used: 90, within: true });
    });

    it('is never within when the tool sets no limit for the currency', async () => {
      const { store } = open();
      expect(await store.reserve(req({ amount: 0, limit: undefined }))).toMatchObject({ used: 0, within: false });
    });

    it('forgets a reservation once it is a whole window old', async () => {
      const { store } = open();
      await store.reserve(req({ amount: 70, now: 10 * HOUR }));
      expect(await store.reserve(req({ amount: 0, now: 11 * HOUR - 1 }))).toMatchObject({ used: 70 });
      expect(await store.reserve(req({ amount: 50, now: 11 * HOUR }))).toMatchObject({ used: 0, within: true });
    });

    it('gives every reservation its own id, and releasing one releases only it (an unknown id is a no-op)', async () => {
      const { store } = open();
      const a = await store.reserve(req({ amount: 30 }));
      const b = await store.reserve(req({ amount: 20 }));
      expect(a.id).not.toBe(b.id);
      await store.release(a.id);
      await store.release(a.id);
      await store.release(987_654);
      expect(await store.reserve(req({ amount: 0 }))).toMatchObject({ used: 20 });
    });

    it('serializes reservations from several handles on the same storage: each sees all before it', async () => {
      const { store, other } = open();
      const handles = [store, other(), other()];
      const seen = [];
      for (let i = 0; i < 9; i++) seen.push(await handles[i % 3]!.reserve(req({ amount: 15 })));
      expect(seen.map((r) => r.used)).toEqual([0, 15, 30, 45, 60, 75, 90, 105, 120]);
      expect(seen.map((r) => r.within)).toEqual([true, true, true, true, true, true, false, false, false]);
      expect(new Set(seen.map((r) => r.id)).size).toBe(9);
    });

    it('serializes concurrent reservations from several handles: no two see the same total', async () => {
      const { store, other } = open();
      const handles = [store, other(), other()];
      const seen = await Promise.all(Array.from({ length: 12 }, async (_, i) => handles[i % 3]!.reserve(req({ amount: 15 }))));
      expect(seen.map((r) => r.used).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i * 15));
      expect(seen.filter((r) => r.within)).toHaveLength(6);
      expect(new Set(seen.map((r) => r.id)).size).toBe(12);
    });

    it('admits exactly what the limit allows when 20 reservations race on one handle (a pool of several connections)', async () => {
      const { store } = open();
      const seen = await Promise.all(Array.from({ length: 20 }, () => store.reserve(req({ amount: 20 }))));
      expect(seen.filter((r) => r.within)).toHaveLength(5);
      expect(seen.map((r) => r.used).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 20));
    });
  });
}
