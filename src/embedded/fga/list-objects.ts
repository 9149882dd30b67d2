/**
 * ListObjects: every object of a type on which the user has the relation. Reverse expansion from the
 * user (reverse-expand.ts) yields the objects it proves, which are answers as they are, and candidates
 * reached only through intersections, exclusions, conditions that did not evaluate, invalid tuples or
 * too deep a chain, which are confirmed with Check. The answer is exactly the set of objects Check
 * allows. Stops at `maxResults` and says so,
 * and at the deadline (OpenFGA's 3 s by default) with what it has found, which it also says.
 */
import { CheckResolver, type EvalContext } from './check-resolver.js';
import { reverseExpand } from './reverse-expand.js';

export interface ListObjectsResult {
  readonly objects: string[];
  /** True when more objects would have matched than `maxResults`. */
  readonly capped: boolean;
  /** True when the deadline passed first: `objects` is what was found by then (all of them allowed). */
  readonly deadlineExceeded: boolean;
}

export interface ListObjectsOptions {
  /** Stop after this many objects (the non-streamed API's cap); Infinity for none. */
  readonly maxResults: number;
  /** Polled during the walk; true once the request's deadline has passed. */
  readonly expired?: () => boolean;
}

/** The allowed objects one at a time; returns whether the walk completed before the deadline. */
export function* streamObjects(
  ctx: EvalContext,
  user: string,
  type: string,
  relation: string,
  expired: () => boolean = () => false,
): Generator<string, boolean> {
  const resolver = new CheckResolver(ctx);
  const walk = reverseExpand(ctx, resolver, user, type, relation, expired);
  let complete = walk.complete;
  for (const { object, proved } of walk.reached) {
    if (!proved) {
      // Past the deadline only what the walk already proved is returned; candidates are not confirmed.
      if (expired()) {
        complete = false;
        continue;
      }
      if (!resolver.check(object, relation, user)) continue;
    }
    yield object;
  }
  return complete;
}

export function listObjects(ctx: EvalContext, user: string, type: string, relation: string, opts: ListObjectsOptions): ListObjectsResult {
  const objects: string[] = [];
  const it = streamObjects(ctx, user, type, relation, opts.expired);
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { objects, capped: false, deadlineExceeded: !r.value };
    if (objects.length >= opts.maxResults) return { objects, capped: true, deadlineExceeded: false };
    objects.push(r.value);
  }
}
