import type { BudgetStore, Reservation } from '../ports/budget-store.js';
import { inTransaction, LOCKS, type PgPool } from './database.js';

const PRUNE_EVERY_MS = 60_000;

/**
 * Budgets in PostgreSQL (table budget_reservations). A reservation holds a transaction-scoped advisory
 * lock on its (tool, user, currency) while it sums the window and inserts, so reservations from every
 * instance are serialised and each sees all before it; different users never wait for each other.
 */
export function createPostgresBudgetStore(pool: PgPool): BudgetStore {
  const lastPrune = new Map<string, number>();
  return {
    reserve: (r) =>
      inTransaction(pool, async (c): Promise<Reservation> => {
        const since = r.now - r.windowMs;
        await c.query('SELECT pg_advisory_xact_lock($1, hashtext(concat_ws(chr(31), $2::text, $3::text, $4::text)))', [LOCKS.budget, r.tool, r.sub, r.currency]);
        if (r.now - (lastPrune.get(r.tool) ?? -Infinity) > PRUNE_EVERY_MS) {
          await c.query('DELETE FROM budget_reservations WHERE tool = $1 AND created_at <= $2', [r.tool, since]);
          lastPrune.set(r.tool, r.now);
        }
        const used = (
          await c.query<{ used: number }>(
            'SELECT COALESCE(SUM(amount), 0)::float8 AS used FROM budget_reservations WHERE tool = $1 AND sub = $2 AND currency = $3 AND created_at > $4',
            [r.tool, r.sub, r.currency, since],
          )
        ).rows[0]!.used;
        const { id } = (
          await c.query<{ id: number }>('INSERT INTO budget_reservations (tool, sub, currency, amount, digest, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [
            r.tool,
            r.sub,
            r.currency,
            r.amount,
            r.digest,
            r.now,
          ])
        ).rows[0]!;
        return { id, used, within: r.limit !== undefined && used + r.amount <= r.limit };
      }),
    release: async (id) => void (await pool.query('DELETE FROM budget_reservations WHERE id = $1', [id])),
  };
}
