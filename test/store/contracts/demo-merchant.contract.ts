import { afterEach, describe, expect, it } from 'vitest';
import type { DemoMerchant } from '../../../src/store/ports/demo-merchant.js';
import type { MakeStore, StoreFixture } from './fixture.js';

export function describeDemoMerchantContract(name: string, makeStore: MakeStore<DemoMerchant>): void {
  describe(`DemoMerchant contract: ${name}`, () => {
    let fixture: StoreFixture<DemoMerchant> | undefined;
    afterEach(() => fixture?.close());

    it('records each order under a new id, on any handle, and returns it as given', async () => {
      fixture = makeStore();
      const order = { sub: 'alice', item: 'Laptop', amount: 900.5, currency: 'EUR', merchant: 'demo-shop', approvalId: 'ap_1' };
      const a = await fixture.store.placeOrder(order);
      const b = await fixture.other().placeOrder({ sub: 'bob', item: 'Mouse', amount: 20, currency: 'USD', merchant: 'demo-shop' });
      expect(a).toEqual({ id: a.id, ...order });
      expect(a.id).toMatch(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(b.id).toMatch(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(b.id).not.toBe(a.id);
      expect(b).not.toHaveProperty('approvalId');
    });
  });
}
