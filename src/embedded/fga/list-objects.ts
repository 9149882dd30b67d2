/**
 * ListObjects: every object of a type on which the user has the relation. Reverse expansion from the
 * user (reverse-expand.ts) yields the objects it proves, which are answers as they are, and candidates
 * reached only through intersections, exclusions, conditions that did not evaluate, invalid tuples or
 * too deep a chain, which are confirmed with Check. The answer is exactly the set of objects Check
 * allows. Stops at `maxResults` and says so.
 */
import { CheckResolver, type EvalContext } from './check-resolver.js';
import { reverseExpand } from './reverse-expand.js';

export interface ListObjectsResult {
  readonly objects: string[];
  /** True when more objects would have matched than `maxResults`. */
  readonly capped: boolean;
}

export function listObjects(
  ctx: EvalContext,
  user: string,
  type: string,
  relation: string,
  maxResults: number,
): ListObjectsResult {
  const resolver = new CheckResolver(ctx);
  const objects: string[] = [];
  for (const { object, proved } of reverseExpand(ctx, resolver, user, type, relation)) {
    if (!proved && !resolver.check(object, relation, user)) continue;
    if (objects.length >= maxResults) return { objects, capped: true };
    objects.push(object);
  }
  return { objects, capped: false };
}
