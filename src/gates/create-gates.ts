import type { Authorizer } from '../fga/authorizer.js';
import type { BudgetStore } from '../store/ports/budget-store.js';
import type { RateLimitStore } from '../store/ports/rate-limit-store.js';
import { approveGate, type ApproveGateOptions } from './approve.js';
import { createAuthorizeGate } from './authorize.js';
import { budgetGate } from './budget.js';
import { callersGate } from './callers.js';
import { approvalNotConfigured, requireNoPolicy, type GateSet } from './chain.js';
import { connectGate, type ConnectGateDeps } from './connect.js';
import { rateLimitGate } from './rate-limit.js';
import { scopesGate } from './scopes.js';

/** What the gates need from the rest of the system; a capability left out is "not configured". */
export interface GateDeps {
  readonly authorizer: Authorizer;
  readonly budgets: BudgetStore;
  readonly rateLimits: RateLimitStore;
  /** Token Vault: present when the deployment can exchange tokens for connected accounts. */
  readonly connect?: ConnectGateDeps;
  /** CIBA approvals: present when the deployment has a client allowed to ask for them. */
  readonly approve?: ApproveGateOptions;
  /** The clock FGA conditions see (time-limited grants). */
  readonly now?: () => Date;
}

/**
 * The one place every gate is constructed, each from its own dependencies; `buildChain` (chain.ts) is
 * the one place that orders them. A slot whose capability is not configured refuses any tool that
 * declares that policy (fail closed) and lets the others pass.
 */
export function createGates(d: GateDeps): GateSet {
  return {
    callers: callersGate,
    scopes: scopesGate,
    rateLimit: rateLimitGate(d.rateLimits),
    authorize: createAuthorizeGate(d.authorizer, d.now),
    connect: d.connect ? connectGate(d.connect) : requireNoPolicy('connect', (t) => t.connection !== undefined),
    budget: budgetGate(d.budgets),
    approve: d.approve ? approveGate(d.approve) : approvalNotConfigured,
  };
}
