import type { ApprovalLedger } from '../approvals/approval-ledger.js';
import type { ApprovalFlow } from '../approvals/await-approval.js';
import { ApprovalConsumedError, ApprovalError, ApprovalRequiredError } from '../errors.js';
import type { ApprovalGrant } from '../tools/define.js';
import { overBudget } from './budget.js';
import type { CallGrants, Gate, ToolCall } from './gate.js';

export interface ApproveGateOptions {
  readonly flow: ApprovalFlow;
  readonly ledger: ApprovalLedger;
  readonly now?: () => number;
}

/**
 * Why this call needs a person's approval: the tool's approval policy applies to these arguments, or
 * the budget gate (which runs just before) found the call over the caller's budget. Undefined: it does not.
 */
export function approvalNeeded(call: ToolCall, granted: CallGrants): 'policy' | 'budget' | undefined {
  const policy = call.tool.approval;
  if (policy !== undefined && (policy === 'always' || policy(call.args))) return 'policy';
  return overBudget(granted) ? 'budget' : undefined;
}

/**
 * The approve gate (CIBA + RAR): a tool whose approval policy applies to these arguments runs only
 * after the caller approved exactly this call on their trusted device; the approval is then consumed
 * atomically, so it allows one execution of exactly these arguments. Tools without a policy pass.
 */
export function approveGate(opts: ApproveGateOptions): Gate {
  const now = opts.now ?? Date.now;
  return {
    name: 'approve',
    async evaluate(call, granted) {
      const needed = approvalNeeded(call, granted);
      if (needed === undefined) {
        const reason = call.tool.approval === undefined ? 'no approval policy' : 'policy does not require approval';
        return { decision: 'skip', detail: { reason: call.tool.budget ? `${reason}; within budget` : reason } };
      }
      if (call.caller.kind !== 'user') {
        return { decision: 'deny', detail: { reason: 'no user to approve', needed }, error: new ApprovalRequiredError('This action needs a person to approve it, and this caller acts for no user; nothing was run.') };
      }
      let approval;
      try {
        approval = await opts.flow.obtain(call);
      } catch (error) {
        const code = error instanceof ApprovalError ? error.code : 'error';
        return {
          decision: code === 'approval_pending' ? 'pending' : code === 'error' ? 'error' : 'deny',
          detail: { approvalId: error instanceof ApprovalError ? error.approvalId : undefined, outcome: error instanceof Error && 'code' in error ? String(error.code) : 'error' },
          error,
        };
      }
      if (!(await opts.ledger.consume(approval.id, now()))) {
        return {
          decision: 'deny',
          detail: { approvalId: approval.id, outcome: 'approval_consumed' },
          error: new ApprovalConsumedError('This approval has already been used for one execution; nothing more was run. Call again to ask for a new approval.', { approvalId: approval.id }),
        };
      }
      const grant: ApprovalGrant = { id: approval.id, approvedBy: approval.approvedBy!, approvedAt: new Date(approval.approvedAt!).toISOString() };
      return {
        decision: 'allow',
        detail: { approvalId: grant.id, approver: grant.approvedBy, approvedAt: grant.approvedAt, bindingMessage: approval.bindingMessage },
        grant: { approval: grant },
      };
    },
  };
}
