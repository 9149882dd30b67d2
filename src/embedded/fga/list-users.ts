/**
 * ListUsers: the users (of the filter's type, or usersets `type#relation`) that have a relation on an
 * object. A synchronous port of openfga pkg/server/commands/listusers: forward expansion of the
 * rewrite, with its wildcard-aware intersection and exclusion bookkeeping and its cycle and depth rules.
 */
import { ResolutionTooComplexError } from './errors.js';
import { DEFAULT_RESOLVE_DEPTH, CheckResolver, type EvalContext } from './check-resolver.js';
import { splitObject, splitObjectRelation } from './tuple-key.js';
import { isValidForRead } from './tuple-validation.js';
import type { Userset } from './model-types.js';

export interface UserFilter {
  readonly type: string;
  readonly relation?: string;
}

export type ListedUser =
  | { readonly object: { readonly type: string; readonly id: string } }
  | { readonly userset: { readonly type: string; readonly id: string; readonly relation: string } }
  | { readonly wildcard: { readonly type: string } };

interface Found {
  readonly user: string;
  readonly no?: boolean;
  readonly excluded?: readonly string[];
}

type Emit = (f: Found) => void;

interface Expansion {
  readonly error?: unknown;
  readonly cycle?: boolean;
}

export function toListedUser(user: string): ListedUser {
  const [object, relation] = splitObjectRelation(user);
  const [type, id] = splitObject(object);
  if (relation) return { userset: { type, id, relation } };
  if (id === '*') return { wildcard: { type } };
  return { object: { type, id } };
}

export function listedUserToString(u: ListedUser): string {
  if ('object' in u) return `${u.object.type}:${u.object.id}`;
  if ('userset' in u) return `${u.userset.type}:${u.userset.id}#${u.userset.relation}`;
  return `${u.wildcard.type}:*`;
}

export class UserLister {
  private readonly visited = new Set<string>();
  private readonly checker: CheckResolver;
  private readonly maxDepth: number;

  constructor(private readonly ctx: EvalContext, private readonly filter: UserFilter) {
    this.checker = new CheckResolver(ctx);
    this.maxDepth = ctx.maxDepth ?? DEFAULT_RESOLVE_DEPTH;
  }

  /** Returns user strings (`user:anne`, `user:*`, `group:x#member`), or throws the expansion's error. */
  list(object: string, relation: string, maxResults: number): { users: string[]; capped: boolean } {
    const found = new Map<string, Found>();
    const [objectType] = splitObject(object);
    const matchesFilter = objectType === this.filter.type && relation === (this.filter.relation ?? '');
    const label = this.filter.relation ? `${this.filter.type}#${this.filter.relation}` : this.filter.type;
    if (
      !matchesFilter &&
      !this.ctx.ts.pathExists(label, objectType, relation) &&
      !(!this.filter.relation && this.ctx.ts.pathExists(`${this.filter.type}:*`, objectType, relation))
    ) {
      return { users: [], capped: false };
    }
    const result = this.expand(object, relation, 0, (f) => found.set(f.user, f));
    if (result.error !== undefined) throw result.error;
    const users = [...found.values()].filter((f) => !f.no).map((f) => f.user);
    return users.length > maxResults ? { users: users.slice(0, maxResults), capped: true } : { users, capped: false };
  }

  private expand(object: string, relation: string, depth: number, emit: Emit): Expansion {
    if (depth >= this.maxDepth) return { error: new ResolutionTooComplexError() };
    const key = `${object}#${relation}`;
    if (this.visited.has(key)) return { cycle: true };
    this.visited.add(key);
    try {
      const [type] = splitObject(object);
      if (type === this.filter.type && relation === (this.filter.relation ?? '')) emit({ user: key });
      const rewrite = this.ctx.ts.getRelation(type, relation);
      if (!rewrite) return {};
      return this.rewrite(rewrite, object, relation, depth + 1, emit);
    } finally {
      this.visited.delete(key);
    }
  }

  private rewrite(rw: Userset, object: string, relation: string, depth: number, emit: Emit): Expansion {
    if ('this' in rw) return this.direct(object, relation, depth, emit);
    if ('computedUserset' in rw) return this.expand(object, rw.computedUserset.relation, depth, emit);
    if ('tupleToUserset' in rw) return this.ttu(object, rw.tupleToUserset.tupleset.relation, rw.tupleToUserset.computedUserset.relation, depth, emit);
    if ('union' in rw) return this.union(rw.union.child, object, relation, depth, emit);
    if ('intersection' in rw) return this.intersection(rw.intersection.child, object, relation, depth, emit);
    return this.exclusion(rw.difference.base, rw.difference.subtract, object, relation, depth, emit);
  }

  /** Evaluates a tuple's condition the way ListUsers does: errors are collected, the tuple skipped. */
  private holds(t: Parameters<CheckResolver['tupleHolds']>[0], errors: unknown[]): boolean {
    try {
      return this.checker.tupleHolds(t);
    } catch (e) {
      errors.push(e);
      return false;
    }
  }

  private direct(object: string, relation: string, depth: number, emit: Emit): Expansion {
    const errors: unknown[] = [];
    let cycle = false;
    for (const t of this.ctx.reader.byObjectRelation(object, relation)) {
      if (!isValidForRead(this.ctx.ts, t) || !this.holds(t, errors)) continue;
      const [userObject, userRelation] = splitObjectRelation(t.user);
      if (!userRelation) {
        if (splitObject(userObject)[0] === this.filter.type) emit({ user: userObject });
        continue;
      }
      const r = this.expand(userObject, userRelation, depth, emit);
      if (r.error !== undefined) errors.push(r.error);
      if (r.cycle) cycle = true;
    }
    return { error: errors[0], cycle };
  }

  private ttu(object: string, tupleset: string, computed: string, depth: number, emit: Emit): Expansion {
    const errors: unknown[] = [];
    for (const t of this.ctx.reader.byObjectRelation(object, tupleset)) {
      if (!isValidForRead(this.ctx.ts, t) || !this.holds(t, errors)) continue;
      const r = this.expand(t.user, computed, depth, emit);
      if (r.error !== undefined) errors.push(r.error);
    }
    return { error: errors[0] };
  }

  private collect(rw: Userset, object: string, relation: string, depth: number): { found: Found[]; error?: unknown; cycle?: boolean } {
    const found: Found[] = [];
    const r = this.rewrite(rw, object, relation, depth, (f) => found.push(f));
    return { found, error: r.error, cycle: r.cycle };
  }

  private union(children: readonly Userset[], object: string, relation: string, depth: number, emit: Emit): Expansion {
    let error: unknown;
    const users = new Set<string>();
    const excludedCount = new Map<string, number>();
    for (const child of children) {
      const r = this.collect(child, object, relation, depth);
      error ??= r.error;
      for (const f of r.found) {
        for (const x of f.excluded ?? []) excludedCount.set(x, (excludedCount.get(x) ?? 0) + 1);
        if (!f.no) users.add(f.user);
      }
    }
    const excluded = [...excludedCount].filter(([, n]) => n === children.length).map(([k]) => k);
    for (const user of users) emit({ user, excluded });
    return { error };
  }

  private intersection(children: readonly Userset[], object: string, relation: string, depth: number, emit: Emit): Expansion {
    let error: unknown;
    const wildcard = `${this.filter.type}:*`;
    let wildcardCount = 0;
    const counts = new Map<string, number>();
    const excludedSet = new Set<string>();
    for (const child of children) {
      const r = this.collect(child, object, relation, depth);
      error ??= r.error;
      const mine = new Set<string>();
      for (const f of r.found) {
        for (const x of f.excluded ?? []) excludedSet.add(x);
        if (!f.no) mine.add(f.user);
      }
      const hasWildcard = mine.has(wildcard);
      if (hasWildcard) wildcardCount++;
      for (const u of mine) counts.set(u, (counts.get(u) ?? 0) + (hasWildcard ? 0 : 1));
    }
    const excluded = [...excludedSet];
    for (const [user, count] of counts) {
      if (excludedSet.has(user)) continue;
      if (count + wildcardCount === children.length) emit({ user, excluded });
    }
    return { error };
  }

  private exclusion(baseRw: Userset, subtractRw: Userset, object: string, relation: string, depth: number, emit: Emit): Expansion {
    const base = this.collect(baseRw, object, relation, depth);
    const subtract = this.collect(subtractRw, object, relation, depth);
    const baseMap = new Map(base.found.map((f) => [f.user, f]));
    const subMap = new Map(subtract.found.map((f) => [f.user, f]));
    if (subtract.cycle) return {};
    const wildcard = `${this.filter.type}:*`;
    const baseWildcard = baseMap.has(wildcard);
    const subWildcard = subMap.has(wildcard);
    for (const [user, f] of baseMap) {
      const subtracted = subMap.get(user);
      if (baseWildcard) {
        if (!subtracted && !subWildcard) emit({ user });
        for (const [subUser, sf] of subMap) {
          if (subUser === wildcard || subUser.endsWith(':*')) {
            if (!subtracted) emit({ user, no: true });
            continue;
          }
          if (sf.no) emit({ user: subUser });
          else emit({ user: subUser, no: true, excluded: [subUser] });
        }
      } else if (subWildcard || subtracted) {
        if (subtracted && !subtracted.no) emit({ user, no: true });
        else if (subtracted?.no) emit({ user });
        else emit({ user, no: true });
      } else {
        emit({ user, no: f.no });
      }
    }
    return { error: base.error ?? subtract.error };
  }
}
