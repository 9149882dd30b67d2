import { randomUUID } from 'node:crypto';
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
  readonly id: string;
  /** Whether used + amount stays within the limit. */
  readonly within: boolean;
  /** What this user had reserved or spent in the window before this call. */
  readonly used: number;
}

export interface BudgetStore {
  /** Check and reserve in one immediate transaction: concurrent calls (in this or another process) see each other. */
  reserve(r: ReserveRequest): Reservation;
  /** The tool ran: the amount stays counted. */
  settle(id: string, now: number): void;
  /** The call ended without running: the amount no longer counts. */
  release(id: string): void;
}

/** Budgets in the SQLite Store (migration 008-budgets). */
export function createBudgetStore(db: SqliteDatabase): BudgetStore {
  const prune = db.prepare('DELETE FROM budget_reservations WHERE tool = ? AND sub = ? AND currency = ? AND created_at <= ?');
  const used = db.prepare('SELECT COALESCE(SUM(amount), 0) AS used FROM budget_reservations WHERE tool = ? AND sub = ? AND currency = ? AND created_at > ?');
  const insert = db.prepare("INSERT INTO budget_reservations (id, tool, sub, currency, amount, status, digest, created_at) VALUES (?, ?, ?, ?, ?, 'reserved', ?, ?)");
  const settle = db.prepare("UPDATE budget_reservations SET status = 'spent', settled_at = ? WHERE id = ? AND status = 'reserved'");
  const release = db.prepare("DELETE FROM budget_reservations WHERE id = ? AND status = 'reserved'");
  const reserveTx = db.transaction((r: ReserveRequest): Reservation => {
    const since = r.now - r.windowMs;
    prune.run(r.tool, r.sub, r.currency, since);
    const before = (used.get(r.tool, r.sub, r.currency, since) as { used: number }).used;
    const id = `bud_${randomUUID()}`;
    insert.run(id, r.tool, r.sub, r.currency, r.amount, r.digest, r.now);
    return { id, used: before, within: r.limit !== undefined && before + r.amount <= r.limit };
  });
  return {
    reserve: (r) => reserveTx.immediate(r),
    settle: (id, now) => void settle.run(now, id),
    release: (id) => void release.run(id),
  };
}
