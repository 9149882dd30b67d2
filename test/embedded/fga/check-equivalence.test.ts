/**
 * The plan-based Check against the rewrite-tree Check it replaced, on seeded random graphs: the same
 * answer or the same error for every (object, relation, user), with and without a request context that
 * satisfies the condition, at the default depth and at a depth low enough to hit resolution_too_complex.
 */
import { describe, expect, it } from 'vitest';
import { CheckResolver } from '../../../src/embedded/fga/check-resolver.js';
import { Typesystem } from '../../../src/embedded/fga/typesystem.js';
import { randomGraph, readerVariants, RELATIONS } from './random-graphs.js';
import { ReferenceCheckResolver } from './reference-check-resolver.js';

function outcome(run: () => boolean): string {
  try {
    return run() ? 'allowed' : 'denied';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe('check over plans matches the rewrite-tree check', () => {
  it('on 100 random graphs', () => {
    let compared = 0;
    const mismatches: string[] = [];
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 100; seed++) {
      const g = randomGraph(seed);
      const ts = new Typesystem(g.model);
      for (const [reader, context] of readerVariants(g)) {
        for (const maxDepth of [25, 3]) {
          const ctx = { ts, reader, context, maxDepth };
          const shared = new CheckResolver(ctx);
          for (const object of g.objects) {
            for (const relation of RELATIONS) {
              for (const user of g.users) {
                const expected = outcome(() => new ReferenceCheckResolver(ctx).check(object, relation, user));
                const actual = outcome(() => shared.check(object, relation, user));
                if (actual !== expected) mismatches.push(`seed ${seed} depth ${maxDepth} ${object}#${relation}@${user}: ${actual}, expected ${expected}`);
                kinds.add(expected.split(':')[0]);
                compared++;
              }
            }
          }
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(100_000);
    expect([...kinds].sort()).toEqual(['ConditionEvaluationError', 'ResolutionTooComplexError', 'allowed', 'denied']);
  });
});
