import { ulid } from 'ulid';
import type { DemoMerchant } from '../ports/demo-merchant.js';
import type { PgPool } from './database.js';

/** The demo merchant's orders in PostgreSQL (table demo_orders). No money moves. */
export function createPostgresMerchant(pool: PgPool): DemoMerchant {
  return {
    async placeOrder(o) {
      const id = `ord_${ulid()}`;
      await pool.query('INSERT INTO demo_orders (id, sub, item, amount, currency, merchant, approval_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        id,
        o.sub,
        o.item,
        String(o.amount),
        o.currency,
        o.merchant,
        o.approvalId ?? null,
        new Date().toISOString(),
      ]);
      return { id, ...o };
    },
  };
}
