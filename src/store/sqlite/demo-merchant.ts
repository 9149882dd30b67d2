import { ulid } from 'ulid';
import type { DemoMerchant } from '../ports/demo-merchant.js';
import type { SqliteDatabase } from './database.js';

/** Orders kept in the SQLite Store (table demo_orders), so they outlive a restart and can be counted. */
export function sqliteMerchant(db: SqliteDatabase): DemoMerchant {
  const insert = db.prepare('INSERT INTO demo_orders (id, sub, item, amount, currency, merchant, approval_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  return {
    async placeOrder(o) {
      const id = `ord_${ulid()}`;
      insert.run(id, o.sub, o.item, String(o.amount), o.currency, o.merchant, o.approvalId ?? null, new Date().toISOString());
      return { id, ...o };
    },
  };
}
