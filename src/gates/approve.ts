import type { ApprovalLedger } from '../approvals/approval-ledger.js';
import type { ApprovalFlow } from '../approvals/await-approval.js';
import { ApprovalConsumedError, ApprovalError, ApprovalRequiredError } from '../errors.js';
import type { ApprovalGrant } from '../tools/define.js';
import { overBudget } from './budget.js';
import type { Gate, ToolCall } from './gate.js';

export interface ApproveGateOptions {
  readonly flow: ApprovalFlow;
  readonly ledger: ApprovalLedger;
  readonly now?: () => number;
}

/**
 * Why this call needs a person's approval: the tool's approval policy applies to these arguments, or
 * the budget gate (which runs just before) found the call over the caller's budget. Undefined: it does not.
 */
export function approvalNeeded(call: ToolCall): 'policy' | 'budget' | undefined {
  const policy = call.tool.approval;
  if (policy !== undefined && (policy === 'always' || policy(call.args))) return 'policy';
  return overBudget(call) ? 'budget' : undefined;
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
    async evaluate(call, next) {
      const needed = approvalNeeded(call);
      if (needed === undefined) {
        const reason = call.tool.approval === undefined ? 'no approval policy' : 'policy does not require approval';
        call.decisions.push({ gate: 'approve', decision: 'skip', detail: { reason: call.tool.budget ? `${reason}; within budget` : reason } });
        return next();
      }
      if (call.caller.kind !== 'user') {
        call.decisions.push({ gate: 'approve', decision: 'deny', detail: { reason: 'no user to approve', needed } });
        throw new ApprovalRequiredError('This action needs a person to approve it, and this caller acts for no user; nothing was run.');
      }
      let approval;
      try {
        approval = await opts.flow.obtain(call);
      } catch (e) {
        const code = e instanceof ApprovalError ? e.code : 'error';
        call.decisions.push({
          gate: 'approve',
          decision: code === 'approval_pending' ? 'pending' : code === 'error' ? 'error' : 'deny',
          detail: { approvalId: e instanceof ApprovalError ? e.approvalId : undefined, outcome: e instanceof Error && 'code' in e ? String(e.code) : 'error' },
        });
        throw e;
      }
      if (!opts.ledger.consume(approval.id, now())) {
        call.decisions.push({ gate: 'approve', decision: 'deny', detail: { approvalId: approval.id, outcome: 'approval_consumed' } });
        throw new ApprovalConsumedError('This approval has already been used for one execution; nothing more was run. Call again to ask for a new approval.', { approvalId: approval.id });
      }
      const grant: ApprovalGrant = { id: approval.id, approvedBy: approval.approvedBy!, approvedAt: new Date(approval.approvedAt!).toISOString() };
      call.decisions.push({
        gate: 'approve',
        decision: 'allow',
        detail: { approvalId: grant.id, approver: grant.approvedBy, approvedAt: grant.approvedAt, bindingMessage: approval.bindingMessage },
      });
      call.grants.approval = grant;
      return next();
    },
  };
}
