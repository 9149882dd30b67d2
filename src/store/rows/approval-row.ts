import type { ApprovalRecord, ApprovalStatus } from '../ports/approval-ledger.js';

/** A row of the `approvals` table, as both SQL Stores (SQLite and PostgreSQL) name its columns. */
export interface Row {
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

/** The ledger record of a row; `undefined` when there is no row. */
export function toRecord(r: Row | undefined): ApprovalRecord | undefined {
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
