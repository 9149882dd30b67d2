import type { Migration } from './index.js';

/**
 * Budget reservations: one row per call that passed a tool's budget check, per user and currency. A row
 * counts against the budget while it exists: from the check (in the same transaction) through the run,
 * and afterwards until it leaves the tool's window. A call that ends without running deletes its row.
 * Rows older than the window no longer count and are pruned from time to time. Times are milliseconds
 * since the epoch. The window index covers `amount`, so the sum is read from the index alone.
 */
export const budgets: Migration = {
  id: '008-budgets',
  up: `
    CREATE TABLE budget_reservations (
      id          INTEGER PRIMARY KEY,
      tool        TEXT NOT NULL,
      sub         TEXT NOT NULL,
      currency    TEXT NOT NULL,
      amount      REAL NOT NULL CHECK (amount >= 0),
      digest      TEXT NOT NULL,
      created_at  INTEGER NOT NULL
    );
    CREATE INDEX budget_reservations_window ON budget_reservations (tool, sub, currency, created_at, amount);
  `,
};
