import { ulid } from 'ulid';
import type { DemoMerchant, Order } from '../../store/ports/demo-merchant.js';

export type { DemoMerchant, Order } from '../../store/ports/demo-merchant.js';

export function memoryMerchant(): DemoMerchant & { readonly orders: Order[] } {
  const orders: Order[] = [];
  return {
    orders,
    async placeOrder(o) {
      const order = { id: `ord_${ulid()}`, ...o };
      orders.push(order);
      return order;
    },
  };
}
