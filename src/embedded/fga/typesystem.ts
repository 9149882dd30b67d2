/**
 * A validated authorization model indexed for evaluation: relation rewrites, type restrictions,
 * compiled conditions, and the graph facts the resolvers need (which user types can reach a relation,
 * which relations are computed from or tuple-to-userset over another).
 */
import { CompiledCondition } from './conditions.js';
import type { AuthorizationModel, RelationReference, Userset } from './model-types.js';

/** A relation that a TTU rewrite on `type#relation` reaches through `type#tupleset`. */
export interface TtuEdge {
  readonly type: string;
  readonly relation: string;
  readonly tupleset: string;
}

export interface DirectInfo {
  readonly refs: readonly RelationReference[];
  readonly hasUsersets: boolean;
  /** `type` and `type#relation` labels allowed directly. */
  readonly direct: ReadonlySet<string>;
  /** Types allowed as a typed wildcard. */
  readonly wildcards: ReadonlySet<string>;
}

export function walkUserset(u: Userset, visit: (node: Userset) => void): void {
  visit(u);
  if ('union' in u) for (const c of u.union.child) walkUserset(c, visit);
  else if ('intersection' in u) for (const c of u.intersection.child) walkUserset(c, visit);
  else if ('difference' in u) {
    walkUserset(u.difference.base, visit);
    walkUserset(u.difference.subtract, visit);
  }
}

export class Typesystem {
  readonly id: string;
  private readonly relations = new Map<string, Map<string, Userset>>();
  private readonly restrictions = new Map<string, readonly RelationReference[]>();
  private readonly tuplesets = new Set<string>();
  readonly conditions = new Map<string, CompiledCondition>();
  private readonly terminalCache = new Map<string, Set<string>>();
  /** `type#relation` -> relations on the same type whose rewrite mentions it as a computed userset. */
  private readonly computedFrom = new Map<string, string[]>();
  /** `type#computedRelation` -> TTU relations elsewhere that reach it from a tupleset of that type. */
  private readonly ttuFrom = new Map<string, TtuEdge[]>();

  constructor(readonly model: AuthorizationModel) {
    this.id = model.id;
    for (const td of model.type_definitions) {
      const rels = new Map<string, Userset>(Object.entries(td.relations ?? {}));
      this.relations.set(td.type, rels);
      for (const [rel, meta] of Object.entries(td.metadata?.relations ?? {})) {
        this.restrictions.set(`${td.type}#${rel}`, meta.directly_related_user_types ?? []);
      }
    }
    for (const [name, def] of Object.entries(model.conditions ?? {})) {
      this.conditions.set(name, new CompiledCondition({ ...def, name }));
    }
    for (const [type, rels] of this.relations) {
      for (const [rel, rewrite] of rels) {
        walkUserset(rewrite, (n) => {
          if ('computedUserset' in n) push(this.computedFrom, `${type}#${n.computedUserset.relation}`, rel);
          if ('tupleToUserset' in n) {
            const ts = n.tupleToUserset.tupleset.relation;
            this.tuplesets.add(`${type}#${ts}`);
            for (const r of this.directTypes(type, ts)) {
              if (r.relation || r.wildcard) continue;
              push(this.ttuFrom, `${r.type}#${n.tupleToUserset.computedUserset.relation}`, { type, relation: rel, tupleset: ts });
            }
          }
        });
      }
    }
  }

  hasType(type: string): boolean {
    return this.relations.has(type);
  }

  typeNames(): string[] {
    return [...this.relations.keys()];
  }

  relationsOf(type: string): ReadonlyMap<string, Userset> | undefined {
    return this.relations.get(type);
  }

  getRelation(type: string, relation: string): Userset | undefined {
    return this.relations.get(type)?.get(relation);
  }

  directTypes(type: string, relation: string): readonly RelationReference[] {
    return this.info(type, relation).refs;
  }

  private readonly infos = new Map<string, Map<string, DirectInfo>>();

  /** Per-relation facts about its type restrictions, cached (the check hot path asks for them). */
  info(type: string, relation: string): DirectInfo {
    let byRel = this.infos.get(type);
    if (!byRel) this.infos.set(type, (byRel = new Map()));
    let info = byRel.get(relation);
    if (!info) {
      const refs = this.restrictions.get(`${type}#${relation}`) ?? [];
      info = {
        refs,
        hasUsersets: refs.some((r) => r.relation),
        direct: new Set(refs.filter((r) => !r.wildcard).map((r) => (r.relation ? `${r.type}#${r.relation}` : r.type))),
        wildcards: new Set(refs.filter((r) => r.wildcard).map((r) => r.type)),
      };
      byRel.set(relation, info);
    }
    return info;
  }

  isTupleset(type: string, relation: string): boolean {
    return this.tuplesets.has(`${type}#${relation}`);
  }

  relationsComputedFrom(type: string, relation: string): readonly string[] {
    return this.computedFrom.get(`${type}#${relation}`) ?? [];
  }

  ttuEdgesTo(type: string, relation: string): readonly TtuEdge[] {
    return this.ttuFrom.get(`${type}#${relation}`) ?? [];
  }

  /** `type#relation` allows users of exactly `userType` (or `userType#userRelation`) directly. */
  isDirectlyRelated(type: string, relation: string, userType: string, userRelation: string): boolean {
    return this.info(type, relation).direct.has(userRelation ? `${userType}#${userRelation}` : userType);
  }

  isPubliclyAssignable(type: string, relation: string, userType: string): boolean {
    return this.info(type, relation).wildcards.has(userType);
  }

  /**
   * Could a user of label `userLabel` (`user`, `user:*` or `group#member`) ever be in `type#relation`?
   * A superset answer is safe (it only prunes work); computed over the rewrite graph with memoisation.
   */
  pathExists(userLabel: string, type: string, relation: string): boolean {
    return this.terminals(type, relation).has(userLabel);
  }

  private terminals(type: string, relation: string): Set<string> {
    const key = `${type}#${relation}`;
    const cached = this.terminalCache.get(key);
    if (cached) return cached;
    // Fixpoint over the strongly connected part of the graph reachable from key.
    const nodes = new Map<string, Set<string>>();
    const edges = new Map<string, string[]>();
    const stack = [key];
    while (stack.length) {
      const k = stack.pop()!;
      if (nodes.has(k)) continue;
      const [t, r] = k.split('#');
      // A relation node reaches its own userset label: `group#member` can stand for users of it.
      const own = new Set<string>([k]);
      const next: string[] = [];
      const rewrite = this.getRelation(t, r);
      if (rewrite) {
        walkUserset(rewrite, (n) => {
          if ('this' in n) {
            for (const ref of this.directTypes(t, r)) {
              if (ref.wildcard) own.add(`${ref.type}:*`);
              else if (ref.relation) {
                own.add(`${ref.type}#${ref.relation}`);
                next.push(`${ref.type}#${ref.relation}`);
              } else own.add(ref.type);
            }
          } else if ('computedUserset' in n) next.push(`${t}#${n.computedUserset.relation}`);
          else if ('tupleToUserset' in n) {
            for (const ref of this.directTypes(t, n.tupleToUserset.tupleset.relation)) {
              if (this.getRelation(ref.type, n.tupleToUserset.computedUserset.relation)) {
                next.push(`${ref.type}#${n.tupleToUserset.computedUserset.relation}`);
              }
            }
          }
        });
      }
      nodes.set(k, own);
      edges.set(k, next);
      for (const n of next) if (!nodes.has(n)) stack.push(n);
    }
    let changed = true;
    while (changed) {
      changed = false;
      for (const [k, set] of nodes) {
        for (const n of edges.get(k)!) {
          for (const label of this.terminalCache.get(n) ?? nodes.get(n)!) {
            if (!set.has(label)) {
              set.add(label);
              changed = true;
            }
          }
        }
      }
    }
    for (const [k, set] of nodes) if (!this.terminalCache.has(k)) this.terminalCache.set(k, set);
    return this.terminalCache.get(key)!;
  }
}

function push<V>(m: Map<string, V[]>, k: string, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
