import { CallerNotServedError } from '../errors.js';
import { DEFAULT_CALLERS } from '../tools/define.js';
import type { Gate } from './gate.js';

/**
 * The callers gate: a tool serves the kinds of caller it declares (`callers`, users only by default).
 * First in the chain, so a machine client calling a tool for users costs nothing further: no rate-limit
 * slot, no FGA check, no budget reservation, no approval request.
 */
export const callersGate: Gate = {
  name: 'callers',
  async evaluate(call) {
    const served = call.tool.callers ?? DEFAULT_CALLERS;
    const { kind } = call.caller;
    if (served.includes(kind)) return { decision: 'allow', detail: { kind } };
    return {
      decision: 'deny',
      detail: { kind, served: [...served] },
      error: new CallerNotServedError(
        served.includes('user') ? 'This tool serves signed-in users only; a machine client (client credentials) cannot call it. Nothing was run.' : 'This tool serves machine clients only; it cannot be called with a user token. Nothing was run.',
      ),
    };
  },
};
