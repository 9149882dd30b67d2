import type { SqliteDatabase } from '../store/sqlite/database.js';

/**
 * The pending-approval ledger on the Store. Every state change is one conditional UPDATE, so any number
 * of instances sharing the Store agree: one open approval per call digest, one poller at a time, and
 * `consume` succeeds exactly once.
 *
 * Each token request is written ahead: `pending` -> `redeeming` (with the time it is sent and a fencing
 * lease) before the request leaves, and only the lease holder records the answer. If the process dies
 * in between, the row stays `redeeming`; after its lease another caller takes it over and asks the
 * authorization server again: still pending -> `pending`, approved -> `approved`, "already used" ->
 * `interrupted` (received but never used: it can never be consumed, the next call asks anew).
 */
export type ApprovalStatus = 'starting' | 'pending' | 'redeeming' | 'approved' | 'consumed' | 'denied' | 'expired' | 'failed' | 'interrupted';

export interface ApprovalRecord {
  readonly id: string;
  readonly digest: string;
  readonly tool: string;
  readonly sub: string;
  readonly resource: string;
  readonly status: ApprovalStatus;
  readonly authReqId: string | null;
  readonly bindingMessage: string;
  /** The authorization_details JSON sent with the request. */
  readonly details: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly intervalMs: number;
  readonly nextPollAt: number;
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
  readonly validUntil: number | null;
  readonly consumedAt: number | null;
  readonly reason: string | null;
  /** When the token request now (or last) in flight was sent; kept when the row is taken over. */
  readonly redeemingAt: number | null;
  readonly leaseUntil: number | null;
}

export interface NewApproval {
  readonly id: string;
  readonly digest: string;
  readonly tool: string;
  readonly sub: string;
  readonly resource: string;
  readonly bindingMessage: string;
  readonly details: string;
  readonly createdAt: number;
  /** Provisional until the authorization server answers. */
  readonly expiresAt: number;
  readonly intervalMs: number;
}

export interface ApprovalLedger {
  /** The open (starting, pending, redeeming or approved) approval for this digest, if any. */
  findOpen(digest: string): ApprovalRecord | undefined;
  get(id: string): ApprovalRecord | undefined;
  /** Inserts a `starting` row; false when an open approval for the digest already exists. */
  reserve(a: NewApproval): boolean;
  started(id: string, authReqId: string, expiresAt: number, intervalMs: number, nextPollAt: number): boolean;
  /**
   * Write-ahead of one token request: pending (and due) -> redeeming, owned by `lease` until
   * `leaseUntil`; pushes the next poll out. False when not pending, not due, or another caller has it.
   */
  claimRedeem(id: string, now: number, lease: string, leaseUntil: number): boolean;
  /**
   * Takes over a redemption whose owner's lease ran out (it died or hung); `redeemingAt` is kept, and
   * `reason` is recorded unless an earlier one (from `defer`) already says what happened.
   */
  takeOver(id: string, now: number, lease: string, leaseUntil: number, reason: string): boolean;
  /** The answer was "not yet": redeeming -> pending (only the lease holder). */
  release(id: string, lease: string): boolean;
  /** The answer was slow_down: redeeming -> pending with a longer interval (only the lease holder). */
  slowDown(id: string, lease: string, intervalMs: number, nextPollAt: number): boolean;
  /** The approved token was received and checked: redeeming -> approved (only the lease holder). */
  approved(id: string, lease: string, approvedBy: string, approvedAt: number, validUntil: number): boolean;
  /**
   * The answer to a token request is unknown (the server could not be reached, or the token could not
   * be checked): gives up the lease so the next caller takes the row over from `leaseUntil` on and
   * reads "already used" as interrupted; `reason` says what happened.
   */
  defer(id: string, lease: string, leaseUntil: number, reason: string): boolean;
  /** The approval was received by a process that died before recording it: redeeming -> interrupted. */
  interrupt(id: string, lease: string, reason: string, now: number): boolean;
  /**
   * Closes an approval as denied / expired / failed; false if it was no longer open. Without `lease`
   * only starting, pending or approved rows; with it, only that redemption.
   */
  close(id: string, status: 'denied' | 'expired' | 'failed', reason: string, now: number, lease?: string): boolean;
  /**
   * The interrupted approval of this digest (resolved since `since`) no call has been told about yet,
   * marked told: each interruption is reported to exactly one call.
   */
  takeUnreported(digest: string, since: number, now: number): ApprovalRecord | undefined;
  /** Marks an interrupted approval as told to a call; false if it already was. */
  markReported(id: string, now: number): boolean;
  /** Redemptions whose owner's lease ran out by `now` (a process died between request and record). */
  staleRedemptions(now: number): ApprovalRecord[];
  /** The one execution: approved -> consumed, only while still valid. */
  consume(id: string, now: number): boolean;
}

interface Row {
  id: string;
  digest: string;
  tool: string;
  sub: string;
  resource: string;
  status: ApprovalStatus;
  auth_req_id: string | null;
  binding_message: string;
  details: string;
  created_at: number;
  expires_at: number;
  interval_ms: number;
  next_poll_at: number;
  approved_by: string | null;
  approved_at: number | null;
  valid_until: number | null;
  consumed_at: number | null;
  reason: string | null;
  redeeming_at: number | null;
  lease_until: number | null;
}

export function createApprovalLedger(db: SqliteDatabase): ApprovalLedger {
  const q = {
    findOpen: db.prepare("SELECT * FROM approvals WHERE digest = ? AND status IN ('starting', 'pending', 'redeeming', 'approved')"),
    get: db.prepare('SELECT * FROM approvals WHERE id = ?'),
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
    findOpen: (digest) => toRecord(q.findOpen.get(digest) as Row | undefined),
    get: (id) => toRecord(q.get.get(id) as Row | undefined),
    reserve: (a) => q.reserve.run(a).changes === 1,
    started: (id, authReqId, expiresAt, intervalMs, nextPollAt) => q.started.run(authReqId, expiresAt, intervalMs, nextPollAt, id).changes === 1,
    claimRedeem: (id, now, lease, leaseUntil) => q.claimRedeem.run({ id, now, lease, leaseUntil }).changes === 1,
    takeOver: (id, now, lease, leaseUntil, reason) => q.takeOver.run({ id, now, lease, leaseUntil, reason }).changes === 1,
    release: (id, lease) => q.release.run(id, lease).changes === 1,
    slowDown: (id, lease, intervalMs, nextPollAt) => q.slowDown.run(intervalMs, nextPollAt, id, lease).changes === 1,
    approved: (id, lease, by, at, validUntil) => q.approved.run(by, at, validUntil, at, id, lease).changes === 1,
    defer: (id, lease, leaseUntil, reason) => q.defer.run(leaseUntil, reason, id, lease).changes === 1,
    interrupt: (id, lease, reason, now) => q.interrupt.run(reason, now, id, lease).changes === 1,
    close: (id, status, reason, now, lease) =>
      (lease === undefined ? q.close.run(status, reason, now, id) : q.closeRedeeming.run(status, reason, now, id, lease)).changes === 1,
    takeUnreported: (digest, since, now) => toRecord(q.takeUnreported.get({ digest, since, now }) as Row | undefined),
    markReported: (id, now) => q.markReported.run(now, id).changes === 1,
    staleRedemptions: (now) => (q.stale.all(now) as Row[]).map((r) => toRecord(r)!),
    consume: (id, now) => q.consume.run(now, id, now).changes === 1,
  };
}

function toRecord(r: Row | undefined): ApprovalRecord | undefined {
  if (!r) return undefined;
  return {
    id: r.id,
    digest: r.digest,
    tool: r.tool,
    sub: r.sub,
    resource: r.resource,
    status: r.status,
    authReqId: r.auth_req_id,
    bindingMessage: r.binding_message,
    details: r.details,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    intervalMs: r.interval_ms,
    nextPollAt: r.next_poll_at,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    validUntil: r.valid_until,
    consumedAt: r.consumed_at,
    reason: r.reason,
    redeemingAt: r.redeeming_at,
    leaseUntil: r.lease_until,
  };
}
