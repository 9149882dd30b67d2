import { ulid } from 'ulid';
import type { SqliteDatabase } from '../../store/sqlite/database.js';

export interface Order {
  readonly id: string;
  readonly sub: string;
  readonly item: string;
  readonly amount: number;
  readonly currency: string;
  readonly merchant: string;
  readonly approvalId?: string;
}

/** The demo merchant the purchase tool buys from: it records the order and returns its id. No money moves. */
export interface DemoMerchant {
  placeOrder(order: Omit<Order, 'id'>): Order;
}

/** Orders kept in the Store (table demo_orders), so they outlive a restart and can be counted. */
export function sqliteMerchant(db: SqliteDatabase): DemoMerchant {
  const insert = db.prepare('INSERT INTO demo_orders (id, sub, item, amount, currency, merchant, approval_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  return {
    placeOrder(o) {
      const id = `ord_${ulid()}`;
      insert.run(id, o.sub, o.item, String(o.amount), o.currency, o.merchant, o.approvalId ?? null, new Date().toISOString());
      return { id, ...o };
    },
  };
}

export function memoryMerchant(): DemoMerchant & { readonly orders: Order[] } {
  const orders: Order[] = [];
  return {
    orders,
    placeOrder(o) {
      const order = { id: `ord_${ulid()}`, ...o };
      orders.push(order);
      return order;
    },
  };
}
