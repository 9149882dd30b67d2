import { createSqliteApprovalLedger } from '../store/sqlite/approval-ledger.js';
import { createApprovalFlow, type ApprovalHooks } from '../approvals/await-approval.js';
import { createCibaClient } from '../approvals/ciba-client.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApproveGateOptions } from '../gates/approve.js';
import type { Logger } from '../log.js';
import type { Upstream } from '../resilience/upstream.js';
import type { SqliteDatabase } from '../store/sqlite/database.js';

export interface ApprovalGateConfig {
  readonly db: SqliteDatabase;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** The authorization server (Auth0 tenant or the embedded one) and the API the approvals are for. */
  readonly issuer: string;
  readonly audience: string;
  /** The server's confidential client, allowed the CIBA grant. */
  readonly client: { readonly clientId: string; readonly clientSecret: string };
  readonly waitSeconds: number;
  readonly expirySeconds: number;
  readonly clockSkewSeconds: number;
  readonly hooks?: ApprovalHooks;
  /** Aborted when the server starts draining: waiting calls answer `approval_pending` (resumable). */
  readonly stopWaiting?: AbortSignal;
  /** Deadline, bulkhead and circuit breaker of the CIBA requests. */
  readonly upstream?: Upstream;
}

export interface Approvals {
  /** What the approve gate needs (createGates builds it). */
  readonly gate: ApproveGateOptions;
  /** At start-up: settles redemptions a previous process left unfinished (see ApprovalFlow.reconcile). */
  reconcile(): Promise<number>;
}

/** Assembles what the approve gate needs: CIBA client, ledger on the Store, and the waiting flow. */
export function createApprovals(c: ApprovalGateConfig): Approvals {
  const ledger = createSqliteApprovalLedger(c.db);
  const ciba = createCibaClient({ issuer: c.issuer, audience: c.audience, clockSkewSeconds: c.clockSkewSeconds, ...c.client, upstream: c.upstream });
  const flow = createApprovalFlow({ ledger, ciba, audit: c.audit, logger: c.logger, waitSeconds: c.waitSeconds, expirySeconds: c.expirySeconds, hooks: c.hooks, stopWaiting: c.stopWaiting });
  return { gate: { flow, ledger }, reconcile: () => flow.reconcile() };
}
