import type { Caller } from '../identity/caller.js';
import type { TupleKey } from './authorizer.js';

/** The FGA user for a caller. Machine clients have no user identity and no document access. */
export function fgaUser(caller: Caller): string | undefined {
  return caller.kind === 'user' ? `user:${caller.sub}` : undefined;
}

/**
 * What every check for this caller carries: the clock (for time-limited grants such as the
 * contractor's access window) and, when the token names an Auth0 organization, the caller's
 * membership of it as a contextual tuple — tenant boundaries hold without syncing memberships.
 */
export function fgaRequestContext(caller: Caller, now: Date): { context: Record<string, unknown>; contextualTuples: TupleKey[] } {
  const user = fgaUser(caller);
  const contextualTuples: TupleKey[] =
    user && caller.orgId ? [{ user, relation: 'member', object: `organization:${caller.orgId}` }] : [];
  return { context: { current_time: now.toISOString() }, contextualTuples };
}
