import { UpstreamUnavailableError } from '../errors.js';
import type { AnyTool, ToolOutput } from '../tools/define.js';
import type { Gate, ToolCall } from './gate.js';

/**
 * The one place that orders the gates: scopes -> authorize (FGA) -> connect (Token Vault) ->
 * approve (CIBA) -> run. Cheapest first; each gate may stop the call by throwing a typed error.
 */
export interface GateSet {
  readonly scopes: Gate;
  readonly authorize: Gate;
  readonly connect: Gate;
  readonly approve: Gate;
}

export type Chain = (call: ToolCall, run: (call: ToolCall) => Promise<ToolOutput>) => Promise<ToolOutput>;

export function buildChain(gates: GateSet): Chain {
  const ordered: readonly Gate[] = [gates.scopes, gates.authorize, gates.connect, gates.approve];
  return (call, run) => {
    const step = (i: number): Promise<ToolOutput> =>
      i < ordered.length ? ordered[i]!.evaluate(call, () => step(i + 1)) : run(call);
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


/** A tool declared a policy whose gate this deployment does not run: refuse (fail closed). */
export class GateNotConfiguredError extends UpstreamUnavailableError {
  constructor(gate: string) {
    super(`This tool needs the ${gate} gate, which is not configured on this server; it was not run.`);
  }
}
