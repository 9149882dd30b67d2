import { UpstreamUnavailableError } from '../errors.js';
import type { AnyTool, ToolOutput } from '../tools/define.js';
import { approvalNeeded } from './approve.js';
import { markRunStarted, type Gate, type ToolCall } from './gate.js';

/**
 * The one place that orders the gates: callers -> scopes -> rate limit -> authorize (FGA) ->
 * connect (Token Vault) -> budget -> approve (CIBA) -> run. Cheapest first; each gate may stop the
 * call by throwing a typed error. The budget comes right before approve, which asks for approval when
 * the tool's approval policy or the budget verdict says so.
 */
export interface GateSet {
  readonly callers: Gate;
  readonly scopes: Gate;
  readonly rateLimit: Gate;
  readonly authorize: Gate;
  readonly connect: Gate;
  readonly budget: Gate;
  readonly approve: Gate;
}

export type Chain = (call: ToolCall, run: (call: ToolCall) => Promise<ToolOutput>) => Promise<ToolOutput>;

export function buildChain(gates: GateSet): Chain {
  const ordered: readonly Gate[] = [gates.callers, gates.scopes, gates.rateLimit, gates.authorize, gates.connect, gates.budget, gates.approve];
  return (call, run) => {
    const step = (i: number): Promise<ToolOutput> => {
      if (i < ordered.length) return ordered[i]!.evaluate(call, () => step(i + 1));
      markRunStarted(call);
      return run(call);
    };
    return step(0);
  };
}

/** Used by the slots whose capability is not configured: a tool that declares no such policy passes. */
export function requireNoPolicy(name: string, declared: (tool: AnyTool) => boolean): Gate {
  return {
    name,
    async evaluate(call, next) {
      if (declared(call.tool)) {
        call.decisions.push({ gate: name, decision: 'error', detail: { reason: `${name} gate not configured` } });
        throw new GateNotConfiguredError(name);
      }
      call.decisions.push({ gate: name, decision: 'skip' });
      return next();
    },
  };
}

/**
 * The approve slot when no approval service is configured: a call that needs approval — by the tool's
 * policy or by its budget verdict — is refused (fail closed); every other call passes.
 */
export const approvalNotConfigured: Gate = {
  name: 'approve',
  async evaluate(call, next) {
    if (call.tool.approval !== undefined || approvalNeeded(call)) {
      call.decisions.push({ gate: 'approve', decision: 'error', detail: { reason: 'approve gate not configured' } });
      throw new GateNotConfiguredError('approve');
    }
    call.decisions.push({ gate: 'approve', decision: 'skip' });
    return next();
  },
};

/** A tool declared a policy whose gate this deployment does not run: refuse (fail closed). */
export class GateNotConfiguredError extends UpstreamUnavailableError {
  constructor(gate: string) {
    super(`This tool needs the ${gate} gate, which is not configured on this server; it was not run.`);
  }
}
