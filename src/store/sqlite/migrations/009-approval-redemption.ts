import type { Migration } from './index.js';

/**
 * Crash-safe redemption of approvals. A token request is recorded before it is sent: status
 * `redeeming` with the time it was sent (`redeeming_at`), a fencing id (`redeem_lease`) and the time
 * until which that sender owns it (`lease_until`). A row left `redeeming` by a process that died is
 * taken over after its lease; when the authorization server then says the request was already used,
 * the row becomes `interrupted` (the approval was received but never used) and can never be consumed;
 * `reported_at` marks that a call of that digest has been told so (once).
 * SQLite cannot change a CHECK constraint in place, so the table is rebuilt with every existing column.
 */
export const approvalRedemption: Migration = {
  id: '009-approval-redemption',
  up: `
    CREATE TABLE approvals_009 (
      id               TEXT PRIMARY KEY,
      digest           TEXT NOT NULL,
      tool             TEXT NOT NULL,
      sub              TEXT NOT NULL,
      resource         TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('starting', 'pending', 'redeeming', 'approved', 'consumed', 'denied', 'expired', 'failed', 'interrupted')),
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
      reason           TEXT,
      redeeming_at     INTEGER,
      redeem_lease     TEXT,
      lease_until      INTEGER,
      reported_at      INTEGER
    );
    INSERT INTO approvals_009 (id, digest, tool, sub, resource, status, auth_req_id, binding_message, details, created_at,
                               expires_at, interval_ms, next_poll_at, approved_by, approved_at, valid_until, consumed_at,
                               resolved_at, reason)
      SELECT id, digest, tool, sub, resource, status, auth_req_id, binding_message, details, created_at,
             expires_at, interval_ms, next_poll_at, approved_by, approved_at, valid_until, consumed_at,
             resolved_at, reason
      FROM approvals;
    DROP TABLE approvals;
    ALTER TABLE approvals_009 RENAME TO approvals;
    CREATE UNIQUE INDEX approvals_open_digest ON approvals (digest) WHERE status IN ('starting', 'pending', 'redeeming', 'approved');
    CREATE INDEX approvals_sub_status ON approvals (sub, status);
    CREATE INDEX approvals_redeeming ON approvals (lease_until) WHERE status = 'redeeming';
  `,
};
