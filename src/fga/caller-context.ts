import type { Caller } from '../identity/caller.js';
import type { TupleKey } from './authorizer.js';

/** The FGA user for a caller. Machine clients have no user identity and no document access. */
export function fgaUser(caller: Caller): string | undefined {
  return caller.kind === 'user' ? `user:${caller.sub}` : undefined;
}

/** The relation that carries the token's organization; the model never lets it grant on its own. */
export const SESSION_ORG_RELATION = 'session_member';

/**
 * What every check for this caller carries: the clock (for time-limited grants such as the
 * contractor's access window) and, when the token names an Auth0 organization, the session's
 * organization as the contextual tuple `user:<sub> session_member organization:<org_id>`.
 *
 * It is deliberately NOT `member`: an unconditioned membership tuple would bypass a stored membership
 * whose condition has expired (the contractor's window). The model intersects the session with the
 * stored membership (`active_member: member and session_member`), so the token's organization only
 * ever narrows access — org-wide grants hold only inside the organization the user signed in to.
 */
export function fgaRequestContext(caller: Caller, now: Date): { context: Record<string, unknown>; contextualTuples: TupleKey[] } {
  const user = fgaUser(caller);
  const contextualTuples: TupleKey[] =
    user && caller.orgId ? [{ user, relation: SESSION_ORG_RELATION, object: `organization:${caller.orgId}` }] : [];
  return { context: { current_time: now.toISOString() }, contextualTuples };
}
