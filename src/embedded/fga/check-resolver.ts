/**
 * Check: does `user` have `relation` on `object`? A depth-first port of openfga internal/graph
 * LocalChecker: direct tuples, typed wildcards and userset tuples for `this`, computed usersets,
 * tuple-to-userset, and union / intersection / exclusion with OpenFGA's rules for errors and cycles
 * (a cycle resolves to false and poisons intersection and exclusion). Dispatches through usersets and
 * tuple-to-userset count towards the resolution depth; reaching it is resolution_too_complex.
 *
 * The walk runs over precompiled plans (check-plan.ts), synchronously, with outcomes as small integers
 * and the path of open sub-problems as two parallel arrays, so a call allocates almost nothing. The
 * order of evaluation, and so which error or cycle wins, is the same as the rewrite-tree walk it replaced.
 */
import { Op, plansOf, type LabelFacts, type PlanNode, type PlanSet, type RelationPlan } from './check-plan.js';
import { ResolutionTooComplexError } from './errors.js';
import { isUserset, type TupleKey } from './tuple-key.js';
import type { TupleReader } from './tuple-index.js';
import { computeReadValidity, readValidityCache } from './tuple-validation.js';
import type { Typesystem } from './typesystem.js';

export const DEFAULT_RESOLVE_DEPTH = 25;

export interface EvalContext {
  readonly ts: Typesystem;
  readonly reader: TupleReader;
  readonly context?: Record<string, unknown>;
  readonly maxDepth?: number;
}

const DENIED = 0;
const ALLOWED = 1;
/** False because the walk came back to a sub-problem still open on its own path. */
const CYCLE = 2;
type Outcome = typeof DENIED | typeof ALLOWED | typeof CYCLE;

export class CheckResolver {
  private readonly maxDepth: number;
  private readonly plans: PlanSet;
  private readonly validity: WeakMap<TupleKey, boolean>;
  private readonly reader: TupleReader;
  private readonly ts: Typesystem;
  /** The open sub-problems on the current path: plan and object at the same index. */
  private readonly pathPlans: RelationPlan[] = [];
  private readonly pathObjects: string[] = [];
  private pathLength = 0;
  /** The user being checked, split once per check. */
  private user = '';
  private userObject = '';
  private userType = '';
  private userRelation = '';
  private userWildcard = '';
  private label = '';
  /** LabelFacts of the current label, by plan id. */
  private facts: LabelFacts[] = [];

  constructor(private readonly ctx: EvalContext) {
    this.maxDepth = ctx.maxDepth ?? DEFAULT_RESOLVE_DEPTH;
    this.ts = ctx.ts;
    this.reader = ctx.reader;
    this.plans = plansOf(ctx.ts);
    this.validity = readValidityCache(ctx.ts);
  }

  check(object: string, relation: string, user: string): boolean {
    if (user !== this.user) this.setUser(user);
    this.pathLength = 0;
    return this.resolve(this.plans.get(typeOf(object), relation), object, 0) === ALLOWED;
  }

  /** Whether a tuple read from storage counts: valid for the model and its condition met. */
  tupleHolds(t: TupleKey): boolean {
    if (!t.condition) return true;
    const condition = this.ts.conditions.get(t.condition.name);
    if (!condition) throw new Error(`condition '${t.condition.name}' was not found`);
    return condition.evaluate(t.condition.context, this.ctx.context);
  }

  private setUser(user: string): void {
    const hash = user.lastIndexOf('#');
    this.user = user;
    this.userObject = hash === -1 ? user : user.slice(0, hash);
    this.userRelation = hash === -1 ? '' : user.slice(hash + 1);
    this.userType = typeOf(this.userObject);
    this.userWildcard = `${this.userType}:*`;
    this.label = this.userRelation ? `${this.userType}#${this.userRelation}` : this.userType;
    this.facts = [];
  }

  private valid(t: TupleKey): boolean {
    let v = this.validity.get(t);
    if (v === undefined) {
      v = computeReadValidity(this.ts, t);
      this.validity.set(t, v);
    }
    return v;
  }

  private resolve(plan: RelationPlan, object: string, depth: number): Outcome {
    if (depth >= this.maxDepth) throw new ResolutionTooComplexError();
    const n = this.pathLength;
    for (let i = 0; i < n; i++) if (this.pathPlans[i] === plan && this.pathObjects[i] === object) return CYCLE;
    if (this.userRelation !== '' && plan.relation === this.userRelation && object === this.userObject) return ALLOWED;
    const root = plan.root;
    if (root === undefined) return DENIED;
    let f = this.facts[plan.id];
    if (f === undefined) f = this.facts[plan.id] = plan.factsFor(this.label, this.userType, this.userRelation !== '');
    if (!f.reachable) return DENIED;
    this.pathPlans[n] = plan;
    this.pathObjects[n] = object;
    this.pathLength = n + 1;
    try {
      return this.evaluate(root, plan, f, object, depth);
    } finally {
      this.pathLength = n;
    }
  }

  private evaluate(node: PlanNode, plan: RelationPlan, f: LabelFacts, object: string, depth: number): Outcome {
    switch (node.op) {
      case Op.This:
        return this.direct(plan, f, object, depth);
      case Op.Computed:
        return this.resolve(node.target ?? (node.target = this.plans.get(plan.type, node.relation)), object, depth);
      case Op.TupleToUserset:
        return this.tupleToUserset(node, object, depth);
      case Op.Union: {
        let error: unknown;
        let cycle = false;
        for (const child of node.children) {
          try {
            const r = this.evaluate(child, plan, f, object, depth);
            if (r === ALLOWED) return ALLOWED;
            if (r === CYCLE) cycle = true;
          } catch (e) {
            error = e;
          }
        }
        if (error !== undefined) throw error;
        return cycle ? CYCLE : DENIED;
      }
      case Op.Intersection: {
        let error: unknown;
        for (const child of node.children) {
          try {
            const r = this.evaluate(child, plan, f, object, depth);
            if (r !== ALLOWED) return r;
          } catch (e) {
            error ??= e;
          }
        }
        if (error !== undefined) throw error;
        return ALLOWED;
      }
      default: {
        let baseError: unknown;
        try {
          const base = this.evaluate(node.children[0], plan, f, object, depth);
          if (base !== ALLOWED) return base;
        } catch (e) {
          baseError = e;
        }
        let subtractError: unknown;
        try {
          const subtract = this.evaluate(node.children[1], plan, f, object, depth);
          if (subtract === CYCLE) return CYCLE;
          if (subtract === ALLOWED) return DENIED;
        } catch (e) {
          subtractError = e;
        }
        if (baseError !== undefined) throw baseError;
        if (subtractError !== undefined) throw subtractError;
        return ALLOWED;
      }
    }
  }

  /** `this`: the user's own tuple, the typed wildcard's, then each userset tuple (a union of them). */
  private direct(plan: RelationPlan, f: LabelFacts, object: string, depth: number): Outcome {
    const relation = plan.relation;
    let error: unknown;
    let cycle = false;
    if (f.direct) {
      const t = this.reader.userTuple(object, relation, this.user);
      if (t !== undefined && this.valid(t)) {
        try {
          if (this.tupleHolds(t)) return ALLOWED;
        } catch (e) {
          error = e;
        }
      }
    }
    if (f.wildcard) {
      const t = this.reader.userTuple(object, relation, this.userWildcard);
      if (t !== undefined && this.valid(t)) {
        try {
          if (this.tupleHolds(t)) return ALLOWED;
        } catch (e) {
          error = e;
        }
      }
    }
    if (plan.info.hasUsersets) {
      for (const t of this.reader.usersetsOf(object, relation)) {
        if (!this.valid(t) || !isUserset(t.user)) continue;
        try {
          if (!this.tupleHolds(t)) continue;
          const hash = t.user.lastIndexOf('#');
          const usersetObject = t.user.slice(0, hash);
          const r = this.resolve(this.plans.get(typeOf(usersetObject), t.user.slice(hash + 1)), usersetObject, depth + 1);
          if (r === ALLOWED) return ALLOWED;
          if (r === CYCLE) cycle = true;
        } catch (e) {
          error = e;
        }
      }
    }
    if (error !== undefined) throw error;
    return cycle ? CYCLE : DENIED;
  }

  /** Tuple-to-userset: the computed relation on each parent named by a tupleset tuple (a union). */
  private tupleToUserset(node: PlanNode, object: string, depth: number): Outcome {
    let error: unknown;
    let cycle = false;
    for (const t of this.reader.byObjectRelation(object, node.tupleset)) {
      if (!this.valid(t)) continue;
      const parent = this.parentPlan(node, t.user);
      if (parent === undefined) continue;
      try {
        if (!this.tupleHolds(t)) continue;
        const r = this.resolve(parent, t.user, depth + 1);
        if (r === ALLOWED) return ALLOWED;
        if (r === CYCLE) cycle = true;
      } catch (e) {
        error = e;
      }
    }
    if (error !== undefined) throw error;
    return cycle ? CYCLE : DENIED;
  }

  /** The plan of `node.relation` on the parent's type; undefined when that type lacks the relation. */
  private parentPlan(node: PlanNode, parent: string): RelationPlan | undefined {
    for (const p of node.parents) {
      if (parent.startsWith(p.prefix)) return p.plan ?? (p.plan = this.plans.get(p.type, node.relation));
    }
    const type = typeOf(parent);
    return this.ts.getRelation(type, node.relation) ? this.plans.get(type, node.relation) : undefined;
  }
}

function typeOf(object: string): string {
  const i = object.indexOf(':');
  return i === -1 ? '' : object.slice(0, i);
}
