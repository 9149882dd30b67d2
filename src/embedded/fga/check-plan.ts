/**
 * Evaluation plans: each `type#relation` of a model compiled once into a tree of plan nodes with its
 * targets linked (the computed relation's plan, the parent types a tuple-to-userset can reach), plus
 * per user-label facts (can this kind of user reach the relation at all, is it directly assignable, as
 * a typed wildcard). Check walks these instead of re-reading the model on every call. Plans depend on
 * the model alone (models are immutable), never on tuples or request context, so nothing here needs
 * invalidating on writes.
 */
import type { RelationReference, Userset } from './model-types.js';
import type { DirectInfo, Typesystem } from './typesystem.js';

export const Op = { This: 0, Computed: 1, TupleToUserset: 2, Union: 3, Intersection: 4, Difference: 5 } as const;
export type Op = (typeof Op)[keyof typeof Op];

/** A parent type a tuple-to-userset node can reach: tuple users starting with `prefix` use `plan`. */
export interface ParentTarget {
  readonly type: string;
  readonly prefix: string;
  /** Linked on first use (relations may refer to each other). */
  plan: RelationPlan | undefined;
}

export class PlanNode {
  /** Computed: the same-type relation's plan, linked on first use (relations may refer to each other). */
  target: RelationPlan | undefined = undefined;
  constructor(
    readonly op: Op,
    /** Computed: the relation; tuple-to-userset: the computed relation on the parent. */
    readonly relation: string,
    /** Tuple-to-userset: the tupleset relation on this object. */
    readonly tupleset: string,
    /** Union and intersection: the children; difference: [base, subtract]. */
    readonly children: readonly PlanNode[],
    /** Tuple-to-userset: the parent types the model allows on the tupleset. */
    readonly parents: readonly ParentTarget[],
  ) {}
}

/** What one kind of user (`user`, `group#member`) can do on a relation, derived once per label. */
export interface LabelFacts {
  /** Some path in the model leads from this kind of user (or its typed wildcard) to the relation. */
  readonly reachable: boolean;
  /** The type restrictions admit this label directly. */
  readonly direct: boolean;
  /** The type restrictions admit the typed wildcard of this user's type. */
  readonly wildcard: boolean;
}

export class RelationPlan {
  private readonly facts = new Map<string, LabelFacts>();

  constructor(
    readonly id: number,
    readonly type: string,
    readonly relation: string,
    /** Undefined when the type has no such relation (Check answers false). */
    readonly root: PlanNode | undefined,
    readonly info: DirectInfo,
    private readonly ts: Typesystem,
  ) {}

  /** `label` is `type` or `type#relation`; `userType` and `hasRelation` are its parts. */
  factsFor(label: string, userType: string, hasRelation: boolean): LabelFacts {
    let f = this.facts.get(label);
    if (!f) {
      const { ts, type, relation } = this;
      f = {
        reachable: ts.pathExists(label, type, relation) || (!hasRelation && ts.pathExists(`${userType}:*`, type, relation)),
        direct: this.info.direct.has(label),
        wildcard: !hasRelation && this.info.wildcards.has(userType),
      };
      this.facts.set(label, f);
    }
    return f;
  }
}

/** The plans of one typesystem, built lazily and kept for its lifetime. */
export class PlanSet {
  private readonly plans = new Map<string, Map<string, RelationPlan>>();
  private count = 0;

  constructor(private readonly ts: Typesystem) {}

  get size(): number {
    return this.count;
  }

  /** The plan for `type#relation`; a relation the model lacks gets an uncached plan without a root. */
  get(type: string, relation: string): RelationPlan {
    let byRel = this.plans.get(type);
    const found = byRel?.get(relation);
    if (found) return found;
    const rewrite = this.ts.getRelation(type, relation);
    if (!rewrite) return new RelationPlan(-1, type, relation, undefined, this.ts.info(type, relation), this.ts);
    if (!byRel) this.plans.set(type, (byRel = new Map()));
    const plan = new RelationPlan(this.count++, type, relation, this.compile(type, rewrite), this.ts.info(type, relation), this.ts);
    byRel.set(relation, plan);
    return plan;
  }

  private compile(type: string, rw: Userset): PlanNode {
    if ('this' in rw) return new PlanNode(Op.This, '', '', [], []);
    if ('computedUserset' in rw) return new PlanNode(Op.Computed, rw.computedUserset.relation, '', [], []);
    if ('tupleToUserset' in rw) {
      const tupleset = rw.tupleToUserset.tupleset.relation;
      const computed = rw.tupleToUserset.computedUserset.relation;
      return new PlanNode(Op.TupleToUserset, computed, tupleset, [], this.parents(type, tupleset, computed));
    }
    if ('union' in rw) return new PlanNode(Op.Union, '', '', rw.union.child.map((c) => this.compile(type, c)), []);
    if ('intersection' in rw) return new PlanNode(Op.Intersection, '', '', rw.intersection.child.map((c) => this.compile(type, c)), []);
    return new PlanNode(Op.Difference, '', '', [this.compile(type, rw.difference.base), this.compile(type, rw.difference.subtract)], []);
  }

  private parents(type: string, tupleset: string, computed: string): ParentTarget[] {
    const out: ParentTarget[] = [];
    for (const ref of this.ts.directTypes(type, tupleset) as readonly RelationReference[]) {
      if (ref.relation || ref.wildcard || out.some((p) => p.type === ref.type) || !this.ts.getRelation(ref.type, computed)) continue;
      out.push({ type: ref.type, prefix: `${ref.type}:`, plan: undefined });
    }
    return out;
  }
}

const planSets = new WeakMap<Typesystem, PlanSet>();

export function plansOf(ts: Typesystem): PlanSet {
  let set = planSets.get(ts);
  if (!set) planSets.set(ts, (set = new PlanSet(ts)));
  return set;
}
