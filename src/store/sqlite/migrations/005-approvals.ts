import type { Migration } from './index.js';

/**
 * Pending-approval ledger (CIBA + RAR): one row per approval request, shared by every instance on the
 * Store. At most one open row per call digest; `consumed` is set exactly once (one approval, one run).
 * Times are milliseconds since the epoch. `auth_req_id` never leaves the server. Also the demo merchant's
 * orders, so a purchase leaves a record that tests can count.
 */
export const approvals: Migration = {
  id: '005-approvals',
  up: `
    CREATE TABLE approvals (
      id               TEXT PRIMARY KEY,
      digest           TEXT NOT NULL,
      tool             TEXT NOT NULL,
      sub              TEXT NOT NULL,
      resource         TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('starting', 'pending', 'approved', 'consumed', 'denied', 'expired', 'failed')),
      auth_req_id      TEXT,
      binding_message  TEXT NOT NULL,
      details          TEXT NOT NULL,
      created_at       INTEGER NOT NULL,
      expires_at       INTEGER NOT NULL,
      interval_ms      INTEGER NOT NULL,
      next_poll_at     INTEGER NOT NULL,
      approved_by      TEXT,
      approved_at      INTEGER,
      valid_until      INTEGER,
      consumed_at      INTEGER,
      resolved_at      INTEGER,
      reason           TEXT
    );
    CREATE UNIQUE INDEX approvals_open_digest ON approvals (digest) WHERE status IN ('starting', 'pending', 'approved');
    CREATE INDEX approvals_sub_status ON approvals (sub, status);
    CREATE TABLE demo_orders (
      id           TEXT PRIMARY KEY,
      sub          TEXT NOT NULL,
      item         TEXT NOT NULL,
      amount       TEXT NOT NULL,
      currency     TEXT NOT NULL,
      merchant     TEXT NOT NULL,
      approval_id  TEXT,
      created_at   TEXT NOT NULL
    );
  `,
};
