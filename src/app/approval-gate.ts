import type * as oidc from 'openid-client';
import { createApprovalFlow, type ApprovalHooks } from '../approvals/await-approval.js';
import { createCibaClient } from '../approvals/ciba-client.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApproveGateOptions } from '../gates/approve.js';
import type { Logger } from '../log.js';
import type { Upstream } from '../resilience/upstream.js';
import type { ApprovalLedger } from '../store/ports/approval-ledger.js';

export interface ApprovalGateConfig {
  /** The approvals ledger in the Store (shared by every instance on it). */
  readonly ledger: ApprovalLedger;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** The API the approvals are for. */
  readonly audience: string;
  /** The server's confidential client at the authorization server (Auth0 tenant or the embedded one), allowed the CIBA grant. */
  readonly clientId: string;
  readonly client: () => Promise<oidc.Configuration>;
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
  const { ledger } = c;
  const ciba = createCibaClient({ client: c.client, clientId: c.clientId, audience: c.audience, clockSkewSeconds: c.clockSkewSeconds, upstream: c.upstream });
  const flow = createApprovalFlow({ ledger, ciba, audit: c.audit, logger: c.logger, waitSeconds: c.waitSeconds, expirySeconds: c.expirySeconds, hooks: c.hooks, stopWaiting: c.stopWaiting });
  return { gate: { flow, ledger }, reconcile: () => flow.reconcile() };
}
