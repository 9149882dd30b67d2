import { BudgetExceededError, InvalidRequestError } from '../errors.js';
import type { BudgetStore } from '../store/ports/budget-store.js';
import { SKIP, type BudgetVerdict, type CallGrants, type Gate } from './gate.js';

export type { BudgetVerdict };

/** True when the budget gate found this call over the caller's budget (so it needs approval). */
export function overBudget(granted: CallGrants): boolean {
  return granted.budget?.over === true;
}

/**
 * The budget gate: for a tool with a `budget`, check the caller's cumulative amount in the window and
 * reserve this call's amount in one Store transaction, so concurrent calls cannot all pass on the same
 * remaining budget. Within budget: the call goes on. Over it (or in a currency without a limit): the
 * call needs approval (the verdict is handed to the approve gate, which comes next) or is refused, per
 * policy. The reservation stays counted once `run` started (even if it then failed: the tool may have
 * acted); the chain releases it when the call ends before that (refused, pending, denied).
 */
export function budgetGate(store: BudgetStore, now: () => number = Date.now): Gate {
  return {
    name: 'budget',
    async evaluate(call) {
      const policy = call.tool.budget;
      if (!policy) return SKIP;
      const { value, currency } = policy.amount(call.args);
      if (!(Number.isFinite(value) && value >= 0) || typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
        return { decision: 'deny', detail: { reason: 'invalid amount' }, error: new InvalidRequestError('The amount of this call is not a valid non-negative amount in a three-letter currency; nothing was run.') };
      }
      const limit = Object.hasOwn(policy.limit, currency) ? policy.limit[currency] : undefined;
      const r = await store.reserve({ tool: call.tool.name, sub: call.caller.sub, currency, amount: value, limit, windowMs: policy.windowSeconds * 1000, digest: call.digest, now: now() });
      const verdict: BudgetVerdict = { over: !r.within, amount: value, currency, used: r.used, limit: limit ?? null, windowSeconds: policy.windowSeconds };
      const detail = { ...verdict, reservation: r.id, ...(r.within ? {} : { reason: limit === undefined ? 'no limit for this currency' : 'over the limit', then: policy.over }) };
      if (!r.within && policy.over === 'refuse') {
        await store.release(r.id);
        return {
          decision: 'deny',
          detail,
          error: new BudgetExceededError(
            limit === undefined
              ? `This tool has no budget for ${currency}; nothing was run.`
              : `This call (${value} ${currency}) would take you past your budget of ${limit} ${currency} per ${policy.windowSeconds} s (${r.used} ${currency} used); nothing was run.`,
          ),
        };
      }
      return { decision: 'allow', detail, grant: { budget: verdict }, release: () => store.release(r.id) };
    },
  };
}
