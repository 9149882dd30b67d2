import { ForbiddenError } from '../errors.js';
import type { Authorizer } from '../fga/authorizer.js';
import { fgaRequestContext, fgaUser } from '../fga/caller-context.js';
import { SKIP, type Gate } from './gate.js';

/**
 * The authorize gate: a tool that declares `authorize: {relation, object(args)}` runs only if FGA
 * says the caller has that relation on that object. An FGA outage stops the call with
 * AuthorizationUnavailableError (fail closed); tools without the policy pass untouched.
 */
export function createAuthorizeGate(authorizer: Authorizer, now: () => Date = () => new Date()): Gate {
  return {
    name: 'authorize',
    async evaluate(call) {
      const policy = call.tool.authorize;
      if (!policy) return SKIP;
      const user = fgaUser(call.caller);
      const object = policy.object(call.args, call.caller);
      const checked = { object, relation: policy.relation };
      if (!user) return { decision: 'deny', detail: { ...checked, reason: 'client caller' }, error: new ForbiddenError('This tool acts for a signed-in user; a machine client cannot use it.') };
      let allowed: boolean;
      try {
        allowed = await authorizer.check({ user, relation: policy.relation, object, ...fgaRequestContext(call.caller, now()) });
      } catch (error) {
        return { decision: 'error', detail: checked, error };
      }
      if (!allowed) return { decision: 'deny', detail: checked, error: new ForbiddenError(`You do not have ${policy.relation} access to ${object}.`) };
      return { decision: 'allow', detail: checked };
    },
  };
}
