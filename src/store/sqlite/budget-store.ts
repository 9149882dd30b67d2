import type { SqliteDatabase } from './database.js';

export interface ReserveRequest {
  readonly tool: string;
  readonly sub: string;
  readonly currency: string;
  readonly amount: number;
  /** The limit for this currency; undefined when the tool sets none (the call is then always over). */
  readonly limit: number | undefined;
  readonly windowMs: number;
  readonly digest: string;
  readonly now: number;
}

export interface Reservation {
  readonly id: number;
  /** Whether used + amount stays within the limit. */
  readonly within: boolean;
  /** What this user had reserved or spent in the window before this call. */
  readonly used: number;
}

export interface BudgetStore {
  /**
   * Check and reserve in one immediate transaction: concurrent calls (in this process or another on the
   * same Store) are serialized by SQLite's write lock, so each sees the reservations before it.
   */
  reserve(r: ReserveRequest): Reservation;
  /** The call ended without running: its amount no longer counts. (A call that ran needs no write.) */
  release(id: number): void;
}

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
    reserve: (r) => reserveTx.immediate(r),
    release: (id) => void release.run(id),
  };
}
