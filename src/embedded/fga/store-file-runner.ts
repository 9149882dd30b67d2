/**
 * Runs the tests of an OpenFGA store file the way `fga model test` does: for each test a fresh
 * in-memory store with the model, the file's tuples plus the test's tuples, then its check,
 * list_objects and list_users assertions. Returns one line per assertion and the totals.
 */
import { openDatabase } from '../../store/sqlite/database.js';
import { FgaEngine } from './engine.js';
import { seedTuples } from './index.js';
import { listedUserToString, toListedUser } from './list-users.js';
import type { StoreFile } from './store-file.js';
import { splitObject, splitObjectRelation } from './tuple-key.js';

export interface AssertionOutcome {
  readonly test: string;
  readonly description: string;
  readonly passed: boolean;
  readonly detail?: string;
}

const sortedJson = (xs: readonly string[]) => JSON.stringify([...xs].sort());

function attempt<T>(run: () => T): { ok: T } | { error: string } {
  try {
    return { ok: run() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function runStoreFileTests(file: StoreFile): AssertionOutcome[] {
  const outcomes: AssertionOutcome[] = [];
  for (const test of file.tests) {
    const db = openDatabase(':memory:');
    try {
      const engine = new FgaEngine(db);
      const store = engine.createStore(test.name);
      const modelId = engine.writeAuthorizationModel(store.id, file.model);
      seedTuples(engine, store.id, modelId, [...file.tuples, ...test.tuples]);
      const push = (description: string, want: string, got: { ok: string } | { error: string }) =>
        outcomes.push({
          test: test.name,
          description,
          passed: 'ok' in got && got.ok === want,
          ...('ok' in got && got.ok === want ? {} : { detail: `expected ${want}, got ${'ok' in got ? got.ok : `error: ${got.error}`}` }),
        });

      for (const c of test.check ?? []) {
        for (const [relation, want] of Object.entries(c.assertions)) {
          const got = attempt(() => String(engine.check(store.id, { tupleKey: { user: c.user, relation, object: c.object }, context: c.context })));
          push(`check ${c.user} ${relation} ${c.object}`, String(want), got);
        }
      }
      for (const l of test.list_objects ?? []) {
        for (const [relation, want] of Object.entries(l.assertions)) {
          const got = attempt(() => sortedJson(engine.listObjects(store.id, { user: l.user, relation, type: l.type, context: l.context }).objects));
          push(`list_objects ${l.user} ${relation} ${l.type}`, sortedJson(want ?? []), got);
        }
      }
      for (const l of test.list_users ?? []) {
        const [objectType, objectId] = splitObject(splitObjectRelation(l.object)[0]);
        for (const [relation, want] of Object.entries(l.assertions)) {
          const got = attempt(() => {
            const { users } = engine.listUsers(store.id, {
              object: { type: objectType, id: objectId },
              relation,
              userFilters: l.user_filter,
              context: l.context,
            });
            return sortedJson(users.map((u) => listedUserToString(toListedUser(u))));
          });
          push(`list_users ${l.object} ${relation} ${l.user_filter.map((f) => f.type + (f.relation ? `#${f.relation}` : '')).join(',')}`, sortedJson(want.users ?? []), got);
        }
      }
    } finally {
      db.close();
    }
  }
  return outcomes;
}
