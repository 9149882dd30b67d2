/**
 * Seeded random authorization graphs for equivalence tests: small models that mix every rewrite
 * (this with usersets, typed wildcards and a condition; computed usersets; tuple-to-userset; union,
 * intersection, exclusion; self references and cycles) and random tuples, many of them not valid for the
 * model, so the read-time filter is exercised too. Models are not validated: the evaluators must agree
 * on whatever they are given.
 */
import type { AuthorizationModel, RelationReference, TypeDefinition, Userset } from '../../../src/embedded/fga/model-types.js';
import type { TupleKey } from '../../../src/embedded/fga/tuple-key.js';
import { seededRandom } from '../../helpers/prng.js';
import { OverlayReader, TupleIndex, type TupleReader } from '../../../src/embedded/fga/tuple-index.js';


export const OBJECT_TYPES = ['doc', 'folder', 'group'] as const;
export const RELATIONS = ['r0', 'r1', 'r2', 'r3'] as const;
const IDS = 4;

export interface RandomGraph {
  readonly model: AuthorizationModel;
  readonly tuples: TupleKey[];
  /** Users worth asking about: plain users, the typed wildcard, usersets and objects. */
  readonly users: string[];
  readonly objects: string[];
}

export function randomGraph(seed: number, tupleCount = 90): RandomGraph {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const leaf = (self: string, depth: number): Userset => {
    const x = r();
    if (x < 0.35 || depth > 1) return { this: {} };
    if (x < 0.55) return { computedUserset: { relation: r() < 0.1 ? self : pick(RELATIONS) } };
    if (x < 0.8) return { tupleToUserset: { tupleset: { relation: 'parent' }, computedUserset: { relation: pick(RELATIONS) } } };
    const children = [leaf(self, depth + 1), leaf(self, depth + 1), ...(r() < 0.3 ? [leaf(self, depth + 1)] : [])];
    const y = r();
    if (y < 0.4) return { union: { child: children } };
    if (y < 0.65) return { intersection: { child: children } };
    return { difference: { base: children[0], subtract: children[1] } };
  };
  const restrictions = (): RelationReference[] => {
    const refs: RelationReference[] = [];
    if (r() < 0.8) refs.push({ type: 'user' });
    if (r() < 0.3) refs.push({ type: 'user', wildcard: {} });
    if (r() < 0.3) refs.push({ type: 'user', condition: 'positive' });
    for (const t of OBJECT_TYPES) if (r() < 0.35) refs.push({ type: t, relation: pick(RELATIONS) });
    return refs;
  };
  const hasThis = (u: Userset): boolean =>
    'this' in u ||
    ('union' in u && u.union.child.some(hasThis)) ||
    ('intersection' in u && u.intersection.child.some(hasThis)) ||
    ('difference' in u && (hasThis(u.difference.base) || hasThis(u.difference.subtract)));

  const typeDefs: TypeDefinition[] = [{ type: 'user' }];
  for (const type of OBJECT_TYPES) {
    const relations: Record<string, Userset> = { parent: { this: {} } };
    const meta: Record<string, { directly_related_user_types: RelationReference[] }> = {
      parent: { directly_related_user_types: OBJECT_TYPES.filter(() => r() < 0.6).map((t) => ({ type: t })) },
    };
    for (const rel of RELATIONS) {
      relations[rel] = leaf(rel, 0);
      if (hasThis(relations[rel])) meta[rel] = { directly_related_user_types: restrictions() };
    }
    typeDefs.push({ type, relations, metadata: { relations: meta } });
  }
  const model: AuthorizationModel = {
    id: `random-${seed}`,
    schema_version: '1.1',
    type_definitions: typeDefs,
    conditions: { positive: { name: 'positive', expression: 'x > 0', parameters: { x: { type_name: 'TYPE_NAME_INT' } } } },
  };

  const objects = OBJECT_TYPES.flatMap((t) => Array.from({ length: IDS }, (_, i) => `${t}:${i}`));
  const users = [
    ...Array.from({ length: IDS }, (_, i) => `user:${i}`),
    'user:*',
    ...objects.flatMap((o) => [o, ...RELATIONS.map((rel) => `${o}#${rel}`)]),
  ];
  const tuples: TupleKey[] = [];
  for (let i = 0; i < tupleCount; i++) {
    const object = pick(objects);
    const relation = r() < 0.3 ? 'parent' : pick(RELATIONS);
    const user = relation === 'parent' ? pick(objects) : pick(users);
    const x = r();
    const condition = x < 0.15 ? { name: 'positive', context: { x: r() < 0.5 ? 1 : -1 } } : x < 0.25 ? { name: 'positive' } : undefined;
    tuples.push(condition ? { object, relation, user, condition } : { object, relation, user });
  }
  return { model, tuples, users, objects };
}

/**
 * The graph's tuples as a store plus contextual tuples: the first 20 keys are sent again as contextual
 * tuples with their condition flipped (a failing condition added, or removed), so the overlay shadows
 * the stored tuple for direct lookups while both stay visible to scans.
 */
export function contextualSplit(g: RandomGraph): { stored: TupleKey[]; contextual: TupleKey[] } {
  const contextual = g.tuples.slice(0, 20).map((t): TupleKey =>
    t.condition ? { object: t.object, relation: t.relation, user: t.user } : { ...t, condition: { name: 'positive', context: { x: -1 } } },
  );
  return { stored: g.tuples, contextual };
}

/**
 * The three ways the equivalence tests read a graph: stored tuples without and with a request context
 * that satisfies the condition, and stored tuples under contextual ones that may hide them.
 */
export function readerVariants(g: RandomGraph): ReadonlyArray<readonly [TupleReader, Record<string, unknown> | undefined]> {
  const split = contextualSplit(g);
  const stored = TupleIndex.of(g.tuples);
  const overlay = new OverlayReader(TupleIndex.of(split.contextual), TupleIndex.of(split.stored));
  return [
    [stored, undefined],
    [stored, { x: 1 }],
    [overlay, { x: 1 }],
  ];
}

