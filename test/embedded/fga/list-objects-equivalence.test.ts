/**
 * ListObjects by reverse expansion against the implementation it replaced (every candidate of a plain
 * reverse walk confirmed with the rewrite-tree Check), on seeded random graphs: the same objects or the
 * same error, and every object the expansion claims to prove is one Check allows.
 */
import { describe, expect, it } from 'vitest';
import { CheckResolver, type EvalContext } from '../../../src/embedded/fga/check-resolver.js';
import { listObjects } from '../../../src/embedded/fga/list-objects.js';
import { reverseExpand } from '../../../src/embedded/fga/reverse-expand.js';
import { isTypedWildcard, isUserset, splitObject, splitObjectRelation } from '../../../src/embedded/fga/tuple-key.js';
import { Typesystem } from '../../../src/embedded/fga/typesystem.js';
import { OBJECT_TYPES, randomGraph, readerVariants, RELATIONS } from './random-graphs.js';
import { ReferenceCheckResolver } from './reference-check-resolver.js';

// The candidate walk of the Check-per-candidate ListObjects, verbatim.
export function reverseExpandCandidates(ctx: EvalContext, user: string, type: string, relation: string): string[] {
  const { ts, reader } = ctx;
  const candidates = new Set<string>();
  const seenNodes = new Set<string>();
  const seenSubjects = new Set<string>();
  const nodes: Array<[string, string]> = [];
  const subjects: string[] = [user];
  if (isUserset(user)) nodes.push(splitObjectRelation(user));
  else if (!isTypedWildcard(user)) subjects.push(`${splitObject(user)[0]}:*`);

  const pushNode = (object: string, rel: string) => {
    const k = `${object}#${rel}`;
    if (!seenNodes.has(k)) {
      seenNodes.add(k);
      nodes.push([object, rel]);
    }
  };

  while (subjects.length || nodes.length) {
    const subject = subjects.pop();
    if (subject !== undefined) {
      if (seenSubjects.has(subject)) continue;
      seenSubjects.add(subject);
      for (const t of reader.byUser(subject)) pushNode(t.object, t.relation);
      continue;
    }
    const [object, rel] = nodes.pop()!;
    const [objectType] = splitObject(object);
    if (objectType === type && rel === relation) candidates.add(object);
    subjects.push(`${object}#${rel}`);
    for (const r of ts.relationsComputedFrom(objectType, rel)) pushNode(object, r);
    const edges = ts.ttuEdgesTo(objectType, rel);
    if (edges.length) {
      for (const t of reader.byUser(object)) {
        const [parentType] = splitObject(t.object);
        for (const e of edges) if (e.tupleset === t.relation && e.type === parentType) pushNode(t.object, e.relation);
      }
    }
  }
  return [...candidates];
}

function referenceListObjects(ctx: EvalContext, user: string, type: string, relation: string): string[] {
  const resolver = new ReferenceCheckResolver(ctx);
  return reverseExpandCandidates(ctx, user, type, relation).filter((o) => resolver.check(o, relation, user));
}

function outcome(run: () => string[]): string {
  try {
    return JSON.stringify(run().sort());
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe('list-objects by reverse expansion matches check per candidate', () => {
  it('on 40 random graphs', () => {
    const mismatches: string[] = [];
    let proved = 0;
    let nonEmpty = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const g = randomGraph(seed);
      const ts = new Typesystem(g.model);
      for (const [reader, context] of readerVariants(g)) {
        for (const maxDepth of [25, 3]) {
          const ctx = { ts, reader, context, maxDepth };
          for (const type of OBJECT_TYPES) {
            for (const relation of RELATIONS) {
              for (const user of g.users) {
                const expected = outcome(() => referenceListObjects(ctx, user, type, relation));
                const actual = outcome(() => listObjects(ctx, user, type, relation, { maxResults: 1000 }).objects);
                if (actual !== expected) mismatches.push(`seed ${seed} depth ${maxDepth} ${type}#${relation}@${user}: ${actual}, expected ${expected}`);
                if (expected.length > 2 && expected.startsWith('[')) nonEmpty++;
                const checker = new ReferenceCheckResolver(ctx);
                for (const r of reverseExpand(ctx, new CheckResolver(ctx), user, type, relation).reached) {
                  if (!r.proved) continue;
                  proved++;
                  if (!checker.check(r.object, relation, user)) mismatches.push(`seed ${seed} proved ${r.object}#${relation}@${user} but Check denies`);
                }
              }
            }
          }
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(nonEmpty).toBeGreaterThan(1000);
    expect(proved).toBeGreaterThan(1000);
  });
});
