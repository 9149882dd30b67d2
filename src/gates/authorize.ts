import { ForbiddenError } from '../errors.js';
import type { Authorizer } from '../fga/authorizer.js';
import { fgaRequestContext, fgaUser } from '../fga/caller-context.js';
import type { Gate } from './gate.js';

/**
 * The authorize gate: a tool that declares `authorize: {relation, object(args)}` runs only if FGA
 * says the caller has that relation on that object. An FGA outage propagates as
 * AuthorizationUnavailableError (fail closed); tools without the policy pass untouched.
 */
export function createAuthorizeGate(authorizer: Authorizer, now: () => Date = () => new Date()): Gate {
  return {
    name: 'authorize',
    async evaluate(call, next) {
      const policy = call.tool.authorize;
      if (!policy) {
        call.decisions.push({ gate: 'authorize', decision: 'skip' });
        return next();
      }
      const user = fgaUser(call.caller);
      const object = policy.object(call.args, call.caller);
      if (!user) {
        call.decisions.push({ gate: 'authorize', decision: 'deny', detail: { object, relation: policy.relation, reason: 'client caller' } });
        throw new ForbiddenError('This tool acts for a signed-in user; a machine client cannot use it.');
      }
      let allowed: boolean;
      try {
        allowed = await authorizer.check({ user, relation: policy.relation, object, ...fgaRequestContext(call.caller, now()) });
      } catch (e) {
        call.decisions.push({ gate: 'authorize', decision: 'error', detail: { object, relation: policy.relation } });
        throw e;
      }
      call.decisions.push({ gate: 'authorize', decision: allowed ? 'allow' : 'deny', detail: { object, relation: policy.relation } });
      if (!allowed) throw new ForbiddenError(`You do not have ${policy.relation} access to ${object}.`);
      return next();
    },
  };
}
