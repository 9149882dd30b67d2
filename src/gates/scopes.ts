import { InsufficientScopeError } from '../errors.js';
import { missingScopes } from '../identity/scopes.js';
import type { Gate } from './gate.js';

/**
 * The scopes gate: the token must carry every scope the tool declares (after scope implication).
 * The HTTP layer raises the same check earlier as a 403 step-up challenge; this gate keeps the rule
 * true for any transport.
 */
export const scopesGate: Gate = {
  name: 'scopes',
  async evaluate(call) {
    const required = call.tool.scopes;
    const missing = missingScopes(call.caller.scopes, required);
    if (missing.length) return { decision: 'deny', detail: { required, missing }, error: new InsufficientScopeError(required) };
    return { decision: 'allow', detail: { required } };
  },
};
