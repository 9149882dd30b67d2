import type { BudgetStore, Reservation, ReserveRequest } from '../ports/budget-store.js';
import type { SqliteDatabase } from './database.js';

export type { BudgetStore, Reservation, ReserveRequest } from '../ports/budget-store.js';

const PRUNE_EVERY_MS = 60_000;

/** Budgets in the SQLite Store (migration 008-budgets). One write per call; a second only when a call is released. */
export function createBudgetStore(db: SqliteDatabase): BudgetStore {
  const used = db.prepare('SELECT COALESCE(SUM(amount), 0) AS used FROM budget_reservations WHERE tool = ? AND sub = ? AND currency = ? AND created_at > ?');
  const insert = db.prepare('INSERT INTO budget_reservations (tool, sub, currency, amount, digest, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const release = db.prepare('DELETE FROM budget_reservations WHERE id = ?');
  const prune = db.prepare('DELETE FROM budget_reservations WHERE tool = ? AND created_at <= ?');
  const lastPrune = new Map<string, number>();
  const reserveTx = db.transaction((r: ReserveRequest): Reservation => {
    const since = r.now - r.windowMs;
    if (r.now - (lastPrune.get(r.tool) ?? -Infinity) > PRUNE_EVERY_MS) {
      prune.run(r.tool, since);
      lastPrune.set(r.tool, r.now);
    }
    const before = (used.get(r.tool, r.sub, r.currency, since) as { used: number }).used;
    const id = Number(insert.run(r.tool, r.sub, r.currency, r.amount, r.digest, r.now).lastInsertRowid);
    return { id, used: before, within: r.limit !== undefined && before + r.amount <= r.limit };
  });
  return {
    reserve: async (r) => reserveTx.immediate(r),
    release: async (id) => void release.run(id),
  };
}
