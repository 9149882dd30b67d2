import type { ApprovalLedger } from '../ports/approval-ledger.js';
import type { PgPool } from './database.js';
import { toRecord, type Row } from '../rows/approval-row.js';

const OPEN = "('starting', 'pending', 'redeeming', 'approved')";

/**
 * The approval ledger in PostgreSQL (table approvals). Every state change is one conditional UPDATE:
 * under READ COMMITTED a concurrent writer of the same row waits and then re-checks the condition, so
 * exactly one compare-and-set wins.
 */
export function createPostgresApprovalLedger(pool: PgPool): ApprovalLedger {
  const one = async (sql: string, params: unknown[]) => toRecord((await pool.query<Row>(sql, params)).rows[0]);
  const changed = async (sql: string, params: unknown[]) => (await pool.query(sql, params)).rowCount === 1;
  return {
    findOpen: (digest) => one(`SELECT * FROM approvals WHERE digest = $1 AND status IN ${OPEN}`, [digest]),
    get: (id) => one('SELECT * FROM approvals WHERE id = $1', [id]),
    countOpen: async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM approvals WHERE status IN ('starting', 'pending', 'redeeming')")).rows[0]!.n,
    reserve: (a) =>
      changed(
        `INSERT INTO approvals (id, digest, tool, sub, resource, status, binding_message, details, created_at, expires_at, interval_ms, next_poll_at)
         VALUES ($1, $2, $3, $4, $5, 'starting', $6, $7, $8, $9, $10, $9) ON CONFLICT DO NOTHING`,
        [a.id, a.digest, a.tool, a.sub, a.resource, a.bindingMessage, a.details, a.createdAt, a.expiresAt, a.intervalMs],
      ),
    started: (id, authReqId, expiresAt, intervalMs, nextPollAt) =>
      changed("UPDATE approvals SET status = 'pending', auth_req_id = $1, expires_at = $2, interval_ms = $3, next_poll_at = $4 WHERE id = $5 AND status = 'starting'", [
        authReqId,
        expiresAt,
        intervalMs,
        nextPollAt,
        id,
      ]),
    claimRedeem: (id, now, lease, leaseUntil) =>
      changed(
        `UPDATE approvals SET status = 'redeeming', redeeming_at = $2, redeem_lease = $3, lease_until = $4, next_poll_at = $2 + interval_ms
         WHERE id = $1 AND status = 'pending' AND next_poll_at <= $2`,
        [id, now, lease, leaseUntil],
      ),
    takeOver: (id, now, lease, leaseUntil, reason) =>
      changed(
        `UPDATE approvals SET redeem_lease = $3, lease_until = $4, reason = COALESCE(reason, $5)
         WHERE id = $1 AND status = 'redeeming' AND lease_until <= $2`,
        [id, now, lease, leaseUntil, reason],
      ),
    release: (id, lease) =>
      changed(
        `UPDATE approvals SET status = 'pending', redeeming_at = NULL, redeem_lease = NULL, lease_until = NULL, reason = NULL
         WHERE id = $1 AND status = 'redeeming' AND redeem_lease = $2`,
        [id, lease],
      ),
    slowDown: (id, lease, intervalMs, nextPollAt) =>
      changed(
        `UPDATE approvals SET status = 'pending', redeeming_at = NULL, redeem_lease = NULL, lease_until = NULL, reason = NULL, interval_ms = $3, next_poll_at = $4
         WHERE id = $1 AND status = 'redeeming' AND redeem_lease = $2`,
        [id, lease, intervalMs, nextPollAt],
      ),
    approved: (id, lease, approvedBy, approvedAt, validUntil) =>
      changed(
        `UPDATE approvals SET status = 'approved', approved_by = $3, approved_at = $4, valid_until = $5, resolved_at = $4, redeem_lease = NULL, lease_until = NULL
         WHERE id = $1 AND status = 'redeeming' AND redeem_lease = $2`,
        [id, lease, approvedBy, approvedAt, validUntil],
      ),
    defer: (id, lease, leaseUntil, reason) =>
      changed("UPDATE approvals SET redeem_lease = NULL, lease_until = $3, reason = COALESCE(reason, $4) WHERE id = $1 AND status = 'redeeming' AND redeem_lease = $2", [
        id,
        lease,
        leaseUntil,
        reason,
      ]),
    interrupt: (id, lease, reason, now) =>
      changed(
        `UPDATE approvals SET status = 'interrupted', reason = $3, resolved_at = $4, redeem_lease = NULL, lease_until = NULL
         WHERE id = $1 AND status = 'redeeming' AND redeem_lease = $2`,
        [id, lease, reason, now],
      ),
    close: (id, status, reason, now, lease) =>
      lease === undefined
        ? changed("UPDATE approvals SET status = $2, reason = $3, resolved_at = $4 WHERE id = $1 AND status IN ('starting', 'pending', 'approved')", [id, status, reason, now])
        : changed(
            `UPDATE approvals SET status = $2, reason = $3, resolved_at = $4, redeem_lease = NULL, lease_until = NULL
             WHERE id = $1 AND status = 'redeeming' AND redeem_lease = $5`,
            [id, status, reason, now, lease],
          ),
    // the outer conditions are re-checked after a concurrent writer commits: one interruption, one report
    takeUnreported: (digest, since, now) =>
      one(
        `UPDATE approvals SET reported_at = $3
         WHERE id = (SELECT id FROM approvals WHERE digest = $1 AND status = 'interrupted' AND reported_at IS NULL AND resolved_at >= $2
                     ORDER BY resolved_at DESC LIMIT 1)
           AND status = 'interrupted' AND reported_at IS NULL
         RETURNING *`,
        [digest, since, now],
      ),
    markReported: (id, now) => changed("UPDATE approvals SET reported_at = $2 WHERE id = $1 AND status = 'interrupted' AND reported_at IS NULL", [id, now]),
    staleRedemptions: async (now) =>
      (await pool.query<Row>("SELECT * FROM approvals WHERE status = 'redeeming' AND lease_until <= $1 ORDER BY lease_until LIMIT 100", [now])).rows.map((r) => toRecord(r)!),
    consume: (id, now) => changed("UPDATE approvals SET status = 'consumed', consumed_at = $2 WHERE id = $1 AND status = 'approved' AND valid_until > $2", [id, now]),
  };
}

