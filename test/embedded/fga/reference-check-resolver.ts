/**
 * The rewrite-tree Check the engine shipped with (kept verbatim as a test oracle; the engine now walks
 * precompiled plans). Random-graph tests compare the two outcome for outcome, errors included.
 *
 * Check: does `user` have `relation` on `object`? A depth-first port of openfga internal/graph
 * LocalChecker: direct tuples, typed wildcards and userset tuples for `this`, computed usersets,
 * tuple-to-userset, and union / intersection / exclusion with OpenFGA's rules for errors and cycles
 * (a cycle resolves to false and poisons intersection and exclusion). Dispatches through usersets and
 * tuple-to-userset count towards the resolution depth; reaching it is resolution_too_complex.
 */
import { ResolutionTooComplexError } from '../../../src/embedded/fga/errors.js';
import { isUserset, splitObject, splitObjectRelation, type TupleKey } from '../../../src/embedded/fga/tuple-key.js';
import type { TupleReader } from '../../../src/embedded/fga/tuple-index.js';
import { isValidForRead } from '../../../src/embedded/fga/tuple-validation.js';
import type { Typesystem } from '../../../src/embedded/fga/typesystem.js';
import type { Userset } from '../../../src/embedded/fga/model-types.js';

const DEFAULT_RESOLVE_DEPTH = 25;

interface EvalContext {
  readonly ts: Typesystem;
  readonly reader: TupleReader;
  readonly context?: Record<string, unknown>;
  readonly maxDepth?: number;
}

export interface CheckResult {
  readonly allowed: boolean;
  readonly cycle: boolean;
}

const ALLOWED: CheckResult = { allowed: true, cycle: false };
const DENIED: CheckResult = { allowed: false, cycle: false };
const CYCLE: CheckResult = { allowed: false, cycle: true };

/** Union of outcomes: any true wins, else an error, else false (remembering cycles). */
class UnionAccumulator {
  private error: unknown;
  private cycle = false;
  add(run: () => CheckResult): boolean {
    try {
      const r = run();
      if (r.allowed) return true;
      if (r.cycle) this.cycle = true;
    } catch (e) {
      this.error = e;
    }
    return false;
  }
  result(): CheckResult {
    if (this.error !== undefined) throw this.error;
    return this.cycle ? CYCLE : DENIED;
  }
}

export class ReferenceCheckResolver {
  private readonly maxDepth: number;
  private readonly visited = new Set<string>();

  constructor(private readonly ctx: EvalContext) {
    this.maxDepth = ctx.maxDepth ?? DEFAULT_RESOLVE_DEPTH;
  }

  check(object: string, relation: string, user: string): boolean {
    return this.resolve(object, relation, user, 0).allowed;
  }

  /** Whether a tuple read from storage counts: valid for the model and its condition met. */
  tupleHolds(t: TupleKey): boolean {
    if (!t.condition) return true;
    const condition = this.ctx.ts.conditions.get(t.condition.name);
    if (!condition) throw new Error(`condition '${t.condition.name}' was not found`);
    return condition.evaluate(t.condition.context, this.ctx.context);
  }

  resolve(object: string, relation: string, user: string, depth: number): CheckResult {
    if (depth >= this.maxDepth) throw new ResolutionTooComplexError();
    const key = `${object}#${relation}@${user}`;
    if (this.visited.has(key)) return CYCLE;
    if (user === `${object}#${relation}`) return ALLOWED;
    const [objectType] = splitObject(object);
    const rewrite = this.ctx.ts.getRelation(objectType, relation);
    if (!rewrite) return DENIED;
    const [userObject, userRelation] = splitObjectRelation(user);
    const [userType] = splitObject(userObject);
    const ts = this.ctx.ts;
    if (
      !ts.pathExists(userRelation ? `${userType}#${userRelation}` : userType, objectType, relation) &&
      (userRelation !== '' || !ts.pathExists(`${userType}:*`, objectType, relation))
    ) {
      return DENIED;
    }
    this.visited.add(key);
    try {
      return this.rewrite(rewrite, object, objectType, relation, user, userType, userRelation, depth);
    } finally {
      this.visited.delete(key);
    }
  }

  private rewrite(
    rw: Userset,
    object: string,
    objectType: string,
    relation: string,
    user: string,
    userType: string,
    userRelation: string,
    depth: number,
  ): CheckResult {
    if ('this' in rw) return this.direct(object, objectType, relation, user, userType, userRelation, depth);
    if ('computedUserset' in rw) return this.resolve(object, rw.computedUserset.relation, user, depth);
    if ('tupleToUserset' in rw) return this.ttu(object, rw.tupleToUserset.tupleset.relation, rw.tupleToUserset.computedUserset.relation, user, depth);
    const sub = (child: Userset) => () => this.rewrite(child, object, objectType, relation, user, userType, userRelation, depth);
    if ('union' in rw) {
      const acc = new UnionAccumulator();
      for (const child of rw.union.child) if (acc.add(sub(child))) return ALLOWED;
      return acc.result();
    }
    if ('intersection' in rw) {
      let error: unknown;
      for (const child of rw.intersection.child) {
        try {
          const r = sub(child)();
          if (r.cycle || !r.allowed) return r.cycle ? CYCLE : DENIED;
        } catch (e) {
          error ??= e;
        }
      }
      if (error !== undefined) throw error;
      return ALLOWED;
    }
    let baseError: unknown;
    try {
      const base = sub(rw.difference.base)();
      if (base.cycle || !base.allowed) return base.cycle ? CYCLE : DENIED;
    } catch (e) {
      baseError = e;
    }
    let subtractError: unknown;
    try {
      const subtract = sub(rw.difference.subtract)();
      if (subtract.cycle || subtract.allowed) return subtract.cycle ? CYCLE : DENIED;
    } catch (e) {
      subtractError = e;
    }
    if (baseError !== undefined) throw baseError;
    if (subtractError !== undefined) throw subtractError;
    return ALLOWED;
  }

  private direct(
    object: string,
    objectType: string,
    relation: string,
    user: string,
    userType: string,
    userRelation: string,
    depth: number,
  ): CheckResult {
    const { ts, reader } = this.ctx;
    const acc = new UnionAccumulator();
    if (ts.isDirectlyRelated(objectType, relation, userType, userRelation)) {
      const t = reader.userTuple(object, relation, user);
      if (t && isValidForRead(ts, t) && acc.add(() => (this.tupleHolds(t) ? ALLOWED : DENIED))) return ALLOWED;
    }
    if (!userRelation && ts.isPubliclyAssignable(objectType, relation, userType)) {
      const t = reader.userTuple(object, relation, `${userType}:*`);
      if (t && isValidForRead(ts, t) && acc.add(() => (this.tupleHolds(t) ? ALLOWED : DENIED))) return ALLOWED;
    }
    if (ts.info(objectType, relation).hasUsersets) {
      for (const t of reader.usersetsOf(object, relation)) {
        if (!isValidForRead(ts, t) || !isUserset(t.user)) continue;
        const [usersetObject, usersetRelation] = splitObjectRelation(t.user);
        if (acc.add(() => (this.tupleHolds(t) ? this.resolve(usersetObject, usersetRelation, user, depth + 1) : DENIED))) {
          return ALLOWED;
        }
      }
    }
    return acc.result();
  }

  private ttu(object: string, tupleset: string, computed: string, user: string, depth: number): CheckResult {
    const { ts, reader } = this.ctx;
    const acc = new UnionAccumulator();
    for (const t of reader.byObjectRelation(object, tupleset)) {
      if (!isValidForRead(ts, t)) continue;
      const [parentType] = splitObject(t.user);
      if (!ts.getRelation(parentType, computed)) continue;
      if (acc.add(() => (this.tupleHolds(t) ? this.resolve(t.user, computed, user, depth + 1) : DENIED))) return ALLOWED;
    }
    return acc.result();
  }
}
