import type { ApprovalLedger } from '../ports/approval-ledger.js';
import type { SqliteDatabase } from './database.js';
import { toRecord, type Row } from '../rows/approval-row.js';

/** The approval ledger in the SQLite Store (table approvals): every state change is one conditional UPDATE. */
export function createSqliteApprovalLedger(db: SqliteDatabase): ApprovalLedger {
  const q = {
    findOpen: db.prepare("SELECT * FROM approvals WHERE digest = ? AND status IN ('starting', 'pending', 'redeeming', 'approved')"),
    get: db.prepare('SELECT * FROM approvals WHERE id = ?'),
    countOpen: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM approvals WHERE status IN ('starting', 'pending', 'redeeming')"),
    reserve: db.prepare(`INSERT OR IGNORE INTO approvals
      (id, digest, tool, sub, resource, status, binding_message, details, created_at, expires_at, interval_ms, next_poll_at)
      VALUES (@id, @digest, @tool, @sub, @resource, 'starting', @bindingMessage, @details, @createdAt, @expiresAt, @intervalMs, @expiresAt)`),
    started: db.prepare("UPDATE approvals SET status = 'pending', auth_req_id = ?, expires_at = ?, interval_ms = ?, next_poll_at = ? WHERE id = ? AND status = 'starting'"),
    claimRedeem: db.prepare(`UPDATE approvals SET status = 'redeeming', redeeming_at = @now, redeem_lease = @lease, lease_until = @leaseUntil,
      next_poll_at = @now + interval_ms WHERE id = @id AND status = 'pending' AND next_poll_at <= @now`),
    takeOver: db.prepare(`UPDATE approvals SET redeem_lease = @lease, lease_until = @leaseUntil, reason = COALESCE(reason, @reason)
      WHERE id = @id AND status = 'redeeming' AND lease_until <= @now`),
    release: db.prepare(`UPDATE approvals SET status = 'pending', redeeming_at = NULL, redeem_lease = NULL, lease_until = NULL, reason = NULL
      WHERE id = ? AND status = 'redeeming' AND redeem_lease = ?`),
    slowDown: db.prepare(`UPDATE approvals SET status = 'pending', redeeming_at = NULL, redeem_lease = NULL, lease_until = NULL, reason = NULL, interval_ms = ?, next_poll_at = ?
      WHERE id = ? AND status = 'redeeming' AND redeem_lease = ?`),
    approved: db.prepare(`UPDATE approvals SET status = 'approved', approved_by = ?, approved_at = ?, valid_until = ?, resolved_at = ?, redeem_lease = NULL, lease_until = NULL
      WHERE id = ? AND status = 'redeeming' AND redeem_lease = ?`),
    defer: db.prepare("UPDATE approvals SET redeem_lease = NULL, lease_until = ?, reason = COALESCE(reason, ?) WHERE id = ? AND status = 'redeeming' AND redeem_lease = ?"),
    interrupt: db.prepare(`UPDATE approvals SET status = 'interrupted', reason = ?, resolved_at = ?, redeem_lease = NULL, lease_until = NULL
      WHERE id = ? AND status = 'redeeming' AND redeem_lease = ?`),
    close: db.prepare("UPDATE approvals SET status = ?, reason = ?, resolved_at = ? WHERE id = ? AND status IN ('starting', 'pending', 'approved')"),
    closeRedeeming: db.prepare(`UPDATE approvals SET status = ?, reason = ?, resolved_at = ?, redeem_lease = NULL, lease_until = NULL
      WHERE id = ? AND status = 'redeeming' AND redeem_lease = ?`),
    takeUnreported: db.prepare(`UPDATE approvals SET reported_at = @now
      WHERE id = (SELECT id FROM approvals WHERE digest = @digest AND status = 'interrupted' AND reported_at IS NULL AND resolved_at >= @since
                  ORDER BY resolved_at DESC LIMIT 1) RETURNING *`),
    markReported: db.prepare("UPDATE approvals SET reported_at = ? WHERE id = ? AND status = 'interrupted' AND reported_at IS NULL"),
    stale: db.prepare("SELECT * FROM approvals WHERE status = 'redeeming' AND lease_until <= ? ORDER BY lease_until LIMIT 100"),
    consume: db.prepare("UPDATE approvals SET status = 'consumed', consumed_at = ? WHERE id = ? AND status = 'approved' AND valid_until > ?"),
  };
  return {
    findOpen: async (digest) => toRecord(q.findOpen.get(digest) as Row | undefined),
    get: async (id) => toRecord(q.get.get(id) as Row | undefined),
    countOpen: async () => q.countOpen.get()?.n ?? 0,
    reserve: async (a) => q.reserve.run(a).changes === 1,
    started: async (id, authReqId, expiresAt, intervalMs, nextPollAt) => q.started.run(authReqId, expiresAt, intervalMs, nextPollAt, id).changes === 1,
    claimRedeem: async (id, now, lease, leaseUntil) => q.claimRedeem.run({ id, now, lease, leaseUntil }).changes === 1,
    takeOver: async (id, now, lease, leaseUntil, reason) => q.takeOver.run({ id, now, lease, leaseUntil, reason }).changes === 1,
    release: async (id, lease) => q.release.run(id, lease).changes === 1,
    slowDown: async (id, lease, intervalMs, nextPollAt) => q.slowDown.run(intervalMs, nextPollAt, id, lease).changes === 1,
    approved: async (id, lease, by, at, validUntil) => q.approved.run(by, at, validUntil, at, id, lease).changes === 1,
    defer: async (id, lease, leaseUntil, reason) => q.defer.run(leaseUntil, reason, id, lease).changes === 1,
    interrupt: async (id, lease, reason, now) => q.interrupt.run(reason, now, id, lease).changes === 1,
    close: async (id, status, reason, now, lease) =>
      (lease === undefined ? q.close.run(status, reason, now, id) : q.closeRedeeming.run(status, reason, now, id, lease)).changes === 1,
    takeUnreported: async (digest, since, now) => toRecord(q.takeUnreported.get({ digest, since, now }) as Row | undefined),
    markReported: async (id, now) => q.markReported.run(now, id).changes === 1,
    staleRedemptions: async (now) => (q.stale.all(now) as Row[]).map((r) => toRecord(r)!),
    consume: async (id, now) => q.consume.run(now, id, now).changes === 1,
  };
}

