/**
 * The model read backwards, for reverse expansion: for each `type#relation`, which relations are
 * computed from it (same object) and which tuple-to-userset relations reach it from a child object,
 * and whether each such step *proves* its target (it sits under unions only in the target's rewrite).
 * Built once per typesystem.
 */
import type { Userset } from './model-types.js';
import type { Typesystem } from './typesystem.js';

export interface ComputedEdge {
  readonly target: ReverseRelation;
  proves: boolean;
}

/** `target` holds on objects of its type whose `tupleset` tuple names an object holding this relation. */
export interface TupleToUsersetEdge {
  readonly tupleset: string;
  /** `type:` of the target's objects. */
  readonly prefix: string;
  readonly target: ReverseRelation;
  proves: boolean;
}

export class ReverseRelation {
  /** The relation's `this` is under unions only, so a tuple on it proves the relation. */
  thisProves = false;
  readonly computedFrom: ComputedEdge[] = [];
  readonly ttuFrom: TupleToUsersetEdge[] = [];
  constructor(readonly type: string, readonly relation: string, readonly exists: boolean) {}
}

export class ReverseEdges {
  private readonly relations = new Map<string, Map<string, ReverseRelation>>();

  constructor(private readonly ts: Typesystem) {
    for (const type of ts.typeNames()) {
      for (const [relation, rewrite] of ts.relationsOf(type) ?? []) this.walk(type, this.get(type, relation), rewrite, true);
    }
  }

  /** Also answers for relations the model lacks (tuples written under an older model name them). */
  get(type: string, relation: string): ReverseRelation {
    let byRel = this.relations.get(type);
    if (!byRel) this.relations.set(type, (byRel = new Map()));
    let r = byRel.get(relation);
    if (!r) byRel.set(relation, (r = new ReverseRelation(type, relation, this.ts.getRelation(type, relation) !== undefined)));
    return r;
  }

  private walk(type: string, target: ReverseRelation, u: Userset, proves: boolean): void {
    if ('this' in u) target.thisProves ||= proves;
    else if ('computedUserset' in u) {
      const from = this.get(type, u.computedUserset.relation);
      const e = from.computedFrom.find((x) => x.target === target);
      if (e) e.proves ||= proves;
      else from.computedFrom.push({ target, proves });
    } else if ('tupleToUserset' in u) {
      const tupleset = u.tupleToUserset.tupleset.relation;
      for (const ref of this.ts.directTypes(type, tupleset)) {
        if (ref.relation || ref.wildcard) continue;
        const from = this.get(ref.type, u.tupleToUserset.computedUserset.relation);
        const e = from.ttuFrom.find((x) => x.target === target && x.tupleset === tupleset);
        if (e) e.proves ||= proves;
        else from.ttuFrom.push({ tupleset, prefix: `${type}:`, target, proves });
      }
    } else if ('union' in u) for (const c of u.union.child) this.walk(type, target, c, proves);
    else if ('intersection' in u) for (const c of u.intersection.child) this.walk(type, target, c, false);
    else {
      this.walk(type, target, u.difference.base, false);
      this.walk(type, target, u.difference.subtract, false);
    }
  }
}

const cache = new WeakMap<Typesystem, ReverseEdges>();

export function reverseEdgesOf(ts: Typesystem): ReverseEdges {
  let e = cache.get(ts);
  if (!e) cache.set(ts, (e = new ReverseEdges(ts)));
  return e;
}
