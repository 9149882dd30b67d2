import type { PostgresMigration } from './index.js';

/**
 * Budget reservations: one row per call that passed a tool's budget check, per user and currency,
 * counted over the tool's window (epoch ms). Reservations of one (tool, user, currency) are serialised
 * by a transaction-scoped advisory lock, so concurrent instances each see every reservation before them.
 */
export const budgets: PostgresMigration = {
  id: '006-budgets',
  up: `
    CREATE TABLE budget_reservations (
      id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tool        TEXT NOT NULL,
      sub         TEXT NOT NULL,
      currency    TEXT NOT NULL,
      amount      DOUBLE PRECISION NOT NULL CHECK (amount >= 0),
      digest      TEXT NOT NULL,
      created_at  BIGINT NOT NULL
    );
    CREATE INDEX budget_reservations_window ON budget_reservations (tool, sub, currency, created_at) INCLUDE (amount);
  `,
};
