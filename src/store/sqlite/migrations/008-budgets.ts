import type { Migration } from './index.js';

/**
 * Budget reservations: one row per call that passed a tool's budget check, per user and currency.
 * `reserved` while the call is in flight (e.g. waiting for approval), `spent` once the tool ran; a call
 * that ends without running deletes its row. Rows older than the tool's window no longer count and are
 * pruned on the next check. Times are milliseconds since the epoch.
 */
export const budgets: Migration = {
  id: '008-budgets',
  up: `
    CREATE TABLE budget_reservations (
      id          TEXT PRIMARY KEY,
      tool        TEXT NOT NULL,
      sub         TEXT NOT NULL,
      currency    TEXT NOT NULL,
      amount      REAL NOT NULL CHECK (amount >= 0),
      status      TEXT NOT NULL CHECK (status IN ('reserved', 'spent')),
      digest      TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      settled_at  INTEGER
    );
    CREATE INDEX budget_reservations_window ON budget_reservations (tool, sub, currency, created_at);
  `,
};
