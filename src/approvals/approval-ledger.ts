import type { SqliteDatabase } from '../store/sqlite/database.js';

/**
 * The pending-approval ledger on the Store. Every state change is one conditional UPDATE, so any number
 * of instances sharing the Store agree: one open approval per call digest, one poller at a time
 * (a lease on `next_poll_at` that also keeps the CIBA interval across instances), and `consume`
 * succeeds exactly once.
 */
export type ApprovalStatus = 'starting' | 'pending' | 'approved' | 'consumed' | 'denied' | 'expired' | 'failed';

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
  /** The open (starting, pending or approved) approval for this digest, if any. */
  findOpen(digest: string): ApprovalRecord | undefined;
  get(id: string): ApprovalRecord | undefined;
  /** Inserts a `starting` row; false when an open approval for the digest already exists. */
  reserve(a: NewApproval): boolean;
  started(id: string, authReqId: string, expiresAt: number, intervalMs: number, nextPollAt: number): boolean;
  /** Takes the right to poll now (status pending and its time has come); pushes the next poll out. */
  claimPoll(id: string, now: number): boolean;
  slowDown(id: string, intervalMs: number, nextPollAt: number): void;
  approved(id: string, approvedBy: string, approvedAt: number, validUntil: number): boolean;
  /** Closes an open approval as denied / expired / failed; false if it was no longer open. */
  close(id: string, status: 'denied' | 'expired' | 'failed', reason: string, now: number): boolean;
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
}

export function createApprovalLedger(db: SqliteDatabase): ApprovalLedger {
  const q = {
    findOpen: db.prepare("SELECT * FROM approvals WHERE digest = ? AND status IN ('starting', 'pending', 'approved')"),
    get: db.prepare('SELECT * FROM approvals WHERE id = ?'),
    reserve: db.prepare(`INSERT OR IGNORE INTO approvals
      (id, digest, tool, sub, resource, status, binding_message, details, created_at, expires_at, interval_ms, next_poll_at)
      VALUES (@id, @digest, @tool, @sub, @resource, 'starting', @bindingMessage, @details, @createdAt, @expiresAt, @intervalMs, @expiresAt)`),
    started: db.prepare("UPDATE approvals SET status = 'pending', auth_req_id = ?, expires_at = ?, interval_ms = ?, next_poll_at = ? WHERE id = ? AND status = 'starting'"),
    claimPoll: db.prepare("UPDATE approvals SET next_poll_at = ? + interval_ms WHERE id = ? AND status = 'pending' AND next_poll_at <= ?"),
    slowDown: db.prepare("UPDATE approvals SET interval_ms = ?, next_poll_at = ? WHERE id = ? AND status = 'pending'"),
    approved: db.prepare("UPDATE approvals SET status = 'approved', approved_by = ?, approved_at = ?, valid_until = ?, resolved_at = ? WHERE id = ? AND status = 'pending'"),
    close: db.prepare("UPDATE approvals SET status = ?, reason = ?, resolved_at = ? WHERE id = ? AND status IN ('starting', 'pending', 'approved')"),
    consume: db.prepare("UPDATE approvals SET status = 'consumed', consumed_at = ? WHERE id = ? AND status = 'approved' AND valid_until > ?"),
  };
  return {
    findOpen: (digest) => toRecord(q.findOpen.get(digest) as Row | undefined),
    get: (id) => toRecord(q.get.get(id) as Row | undefined),
    reserve: (a) => q.reserve.run(a).changes === 1,
    started: (id, authReqId, expiresAt, intervalMs, nextPollAt) => q.started.run(authReqId, expiresAt, intervalMs, nextPollAt, id).changes === 1,
    claimPoll: (id, now) => q.claimPoll.run(now, id, now).changes === 1,
    slowDown: (id, intervalMs, nextPollAt) => void q.slowDown.run(intervalMs, nextPollAt, id),
    approved: (id, by, at, validUntil) => q.approved.run(by, at, validUntil, at, id).changes === 1,
    close: (id, status, reason, now) => q.close.run(status, reason, now, id).changes === 1,
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
  };
}
