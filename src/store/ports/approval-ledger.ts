/**
 * The pending-approval ledger. Every state change is one atomic conditional write (compare-and-set on
 * the status and, while redeeming, the lease), so any number of instances sharing the Store agree: one
 * open approval per call digest, one poller at a time, and `consume` succeeds exactly once.
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
  findOpen(digest: string): Promise<ApprovalRecord | undefined>;
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** How many approvals were asked for and not yet answered (starting, pending or redeeming). */
  countOpen(): Promise<number>;
  /** Inserts a `starting` row; false when an open approval for the digest already exists. */
  reserve(a: NewApproval): Promise<boolean>;
  started(id: string, authReqId: string, expiresAt: number, intervalMs: number, nextPollAt: number): Promise<boolean>;
  /**
   * Write-ahead of one token request: pending (and due) -> redeeming, owned by `lease` until
   * `leaseUntil`; pushes the next poll out. False when not pending, not due, or another caller has it.
   */
  claimRedeem(id: string, now: number, lease: string, leaseUntil: number): Promise<boolean>;
  /**
   * Takes over a redemption whose owner's lease ran out (it died or hung); `redeemingAt` is kept, and
   * `reason` is recorded unless an earlier one (from `defer`) already says what happened.
   */
  takeOver(id: string, now: number, lease: string, leaseUntil: number, reason: string): Promise<boolean>;
  /** The answer was "not yet": redeeming -> pending (only the lease holder). */
  release(id: string, lease: string): Promise<boolean>;
  /** The answer was slow_down: redeeming -> pending with a longer interval (only the lease holder). */
  slowDown(id: string, lease: string, intervalMs: number, nextPollAt: number): Promise<boolean>;
  /** The approved token was received and checked: redeeming -> approved (only the lease holder). */
  approved(id: string, lease: string, approvedBy: string, approvedAt: number, validUntil: number): Promise<boolean>;
  /**
   * The answer to a token request is unknown (the server could not be reached, or the token could not
   * be checked): gives up the lease so the next caller takes the row over from `leaseUntil` on and
   * reads "already used" as interrupted; `reason` says what happened.
   */
  defer(id: string, lease: string, leaseUntil: number, reason: string): Promise<boolean>;
  /** The approval was received by a process that died before recording it: redeeming -> interrupted. */
  interrupt(id: string, lease: string, reason: string, now: number): Promise<boolean>;
  /**
   * Closes an approval as denied / expired / failed; false if it was no longer open. Without `lease`
   * only starting, pending or approved rows; with it, only that redemption.
   */
  close(id: string, status: 'denied' | 'expired' | 'failed', reason: string, now: number, lease?: string): Promise<boolean>;
  /**
   * The interrupted approval of this digest (resolved since `since`) no call has been told about yet,
   * marked told: each interruption is reported to exactly one call.
   */
  takeUnreported(digest: string, since: number, now: number): Promise<ApprovalRecord | undefined>;
  /** Marks an interrupted approval as told to a call; false if it already was. */
  markReported(id: string, now: number): Promise<boolean>;
  /** Redemptions whose owner's lease ran out by `now` (a process died between request and record). */
  staleRedemptions(now: number): Promise<ApprovalRecord[]>;
  /** The one execution: approved -> consumed, only while still valid. */
  consume(id: string, now: number): Promise<boolean>;
}
