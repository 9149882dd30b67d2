import type { PostgresMigration } from './index.js';

/**
 * The pending-approval ledger (CIBA + RAR), shared by every instance: at most one open row per call
 * digest (a partial unique index), `consumed` set exactly once, redemptions written ahead with a
 * fencing lease (see the ApprovalLedger port). Times are epoch ms. Also the demo merchant's orders.
 */
export const approvals: PostgresMigration = {
  id: '004-approvals',
  up: `
    CREATE TABLE approvals (
      id               TEXT PRIMARY KEY,
      digest           TEXT NOT NULL,
      tool             TEXT NOT NULL,
      sub              TEXT NOT NULL,
      resource         TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('starting', 'pending', 'redeeming', 'approved', 'consumed', 'denied', 'expired', 'failed', 'interrupted')),
      auth_req_id      TEXT,
      binding_message  TEXT NOT NULL,
      details          TEXT NOT NULL,
      created_at       BIGINT NOT NULL,
      expires_at       BIGINT NOT NULL,
      interval_ms      BIGINT NOT NULL,
      next_poll_at     BIGINT NOT NULL,
      approved_by      TEXT,
      approved_at      BIGINT,
      valid_until      BIGINT,
      consumed_at      BIGINT,
      resolved_at      BIGINT,
      reason           TEXT,
      redeeming_at     BIGINT,
      redeem_lease     TEXT,
      lease_until      BIGINT,
      reported_at      BIGINT
    );
    CREATE UNIQUE INDEX approvals_open_digest ON approvals (digest) WHERE status IN ('starting', 'pending', 'redeeming', 'approved');
    CREATE INDEX approvals_sub_status ON approvals (sub, status);
    CREATE INDEX approvals_redeeming ON approvals (lease_until) WHERE status = 'redeeming';
    CREATE INDEX approvals_interrupted ON approvals (digest, resolved_at) WHERE status = 'interrupted' AND reported_at IS NULL;
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
