/**
 * Reverse expansion for ListObjects, after openfga's reverseexpand: walk from the user outwards over
 * the tuples that name it (directly, through its typed wildcard, through usersets it belongs to) and the
 * model's reverse edges (computed usersets, tuple-to-userset), collecting every object of the target
 * type and relation met on the way.
 *
 * Each reached `object#relation` also carries whether the walk *proved* it. A step proves its target
 * when it sits under unions only in the target relation's rewrite (never under an intersection or an
 * exclusion), its tuple is valid for the model and is the one Check would read, and its condition
 * evaluated to true without error. A proved object is one Check allows: Check explores that same chain
 * of union branches, and a union's true wins over its other branches' errors and cycles. Levels are
 * walked in order of dispatch count (userset and tuple-to-userset steps, as Check counts depth), so the
 * first proof of a node is its shallowest, and proofs as deep as the resolve depth are not proofs.
 * Everything else reached is a candidate that the caller confirms with Check; the candidates are the
 * same superset the Check-per-candidate implementation confirmed, so its answers and errors are kept.
 */
import { DEFAULT_RESOLVE_DEPTH, type CheckResolver, type EvalContext } from './check-resolver.js';
import type { TupleKey } from './tuple-key.js';
import { isTypedWildcard, isUserset } from './tuple-key.js';
import { isValidForRead } from './tuple-validation.js';
import { reverseEdgesOf, type ReverseRelation } from './reverse-edges.js';

export interface Reached {
  readonly object: string;
  /** Check allows it (see above); otherwise it is only a candidate. */
  readonly proved: boolean;
}

/** Height recorded for a node reached without proof. */
const UNPROVED = -1;

interface Step {
  readonly object: string;
  readonly rel: ReverseRelation;
  readonly proved: boolean;
}

/**
 * `expired` is polled as the walk goes; once it answers true the walk stops and returns what it has
 * reached (ListObjects' deadline), each entry still marked proved or candidate as above, and
 * `complete: false`.
 */
export function reverseExpand(
  ctx: EvalContext,
  checker: CheckResolver,
  user: string,
  type: string,
  relation: string,
  expired: () => boolean = () => false,
): { reached: Reached[]; complete: boolean } {
  const { ts, reader } = ctx;
  const maxDepth = ctx.maxDepth ?? DEFAULT_RESOLVE_DEPTH;
  const edges = reverseEdgesOf(ts);
  const target = edges.get(type, relation);
  /** Per reverse relation: object -> shallowest proof height, or UNPROVED. */
  const heights = new Map<ReverseRelation, Map<string, number>>();
  const found: string[] = [];
  let level: Step[] = [];
  let next: Step[] = [];
  let height = 0;

  const reach = (object: string, rel: ReverseRelation, proved: boolean, h: number, queue: Step[]) => {
    const ok = proved && h < maxDepth;
    let seen = heights.get(rel);
    if (!seen) heights.set(rel, (seen = new Map()));
    const prev = seen.get(object);
    if (prev === undefined) {
      if (rel === target) found.push(object);
    } else if (!ok || prev !== UNPROVED) return;
    seen.set(object, ok ? h : UNPROVED);
    queue.push({ object, rel, proved: ok });
  };
  const holds = (t: TupleKey): boolean => {
    if (!t.condition) return true;
    try {
      return checker.tupleHolds(t);
    } catch {
      return false;
    }
  };
  /** Tuples naming `subject`; `lookup` says Check reads them with userTuple (else through usersetsOf). */
  const fromSubject = (subject: string, proved: boolean, lookup: boolean, queue: Step[], h: number) => {
    for (const t of reader.byUser(subject)) {
      const rel = edges.get(typeOf(t.object), t.relation);
      const ok =
        proved &&
        rel.thisProves &&
        isValidForRead(ts, t) &&
        (lookup ? reader.userTuple(t.object, t.relation, t.user) === t : isUserset(t.user) && ts.info(rel.type, rel.relation).hasUsersets) &&
        holds(t);
      reach(t.object, rel, ok, h, queue);
    }
  };

  if (isUserset(user)) {
    const hash = user.lastIndexOf('#');
    const object = user.slice(0, hash);
    reach(object, edges.get(typeOf(object), user.slice(hash + 1)), true, 0, level);
    fromSubject(user, true, true, level, 0);
  } else {
    fromSubject(user, true, true, level, 0);
    if (!isTypedWildcard(user)) fromSubject(`${typeOf(user)}:*`, true, true, level, 0);
  }
  let complete = true;
  walk: while (level.length) {
    for (let i = 0; i < level.length; i++) {
      if (expired()) {
        complete = false;
        break walk;
      }
      const { object, rel, proved } = level[i];
      const seen = heights.get(rel)!.get(object)!;
      if (proved ? seen !== height : seen !== UNPROVED) continue; // superseded by a proof
      for (const e of rel.computedFrom) reach(object, e.target, proved && e.proves, height, level);
      fromSubject(`${object}#${rel.relation}`, proved, false, next, height + 1);
      if (rel.ttuFrom.length) {
        for (const t of reader.byUser(object)) {
          for (const e of rel.ttuFrom) {
            if (e.tupleset !== t.relation || !t.object.startsWith(e.prefix)) continue;
            const ok = proved && e.proves && rel.exists && isValidForRead(ts, t) && holds(t);
            reach(t.object, e.target, ok, height + 1, next);
          }
        }
      }
    }
    [level, next] = [next, []];
    height++;
  }
  const proofs = heights.get(target);
  return { reached: found.map((object) => ({ object, proved: (proofs?.get(object) ?? UNPROVED) >= 0 })), complete };
}

function typeOf(object: string): string {
  const i = object.indexOf(':');
  return i === -1 ? '' : object.slice(0, i);
}
