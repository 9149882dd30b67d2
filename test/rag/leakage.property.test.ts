/**
 * The leakage property: over randomly generated ACL graphs (users, nested groups, nested folders,
 * exclusions, wildcards) and queries, written into a fresh store of the real embedded FGA through the
 * SDK and the Authorizer, no search ever returns a document (or a snippet of one) the user cannot
 * view, and recall is exact: the top-k equals the unfiltered ranking restricted to what a per-document
 * Check allows. Every planner path runs: forced pre-filter (restricted inside the Store), the planner,
 * the planner probing then switching, post-filter with capped ListObjects hints or none at all. The
 * same worlds, queries and paths run on both Stores: SQLite (FTS5) and PostgreSQL (tsvector), each
 * with its own DocumentStore and ChunkIndex. Seeded, so a failure names the seed that reproduces it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslToModel } from '../../src/embedded/fga/dsl.js';
import { createAuthorizer, type Authorizer } from '../../src/fga/authorizer.js';
import { AuthorizedRetriever, type RetrieverOptions } from '../../src/rag/authorized-retriever.js';
import { chunkText } from '../../src/rag/chunker.js';
import { parseQuery, RankedDocuments } from '../../src/rag/fts-index.js';
import type { ChunkIndex } from '../../src/store/ports/chunk-index.js';
import type { DocumentStore } from '../../src/store/ports/document-store.js';
import { createPostgresChunkIndex } from '../../src/store/postgres/chunk-index.js';
import { createPostgresPool } from '../../src/store/postgres/database.js';
import { createPostgresDocumentStore } from '../../src/store/postgres/document-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { SqliteDocumentStore } from '../../src/store/sqlite/document-store.js';
import { SqliteFtsIndex } from '../../src/store/sqlite/fts-index.js';
import { startTestServer, type FgaTestServer } from '../embedded/fga/helpers.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { seededRandom } from '../helpers/prng.js';
import { caller, generateWorld, MODEL, QUERIES_PER_USER, SEEDS, USERS, VOCAB } from './acl-world.js';

/** The planner paths under test, chosen through public options (`strategy` when the path is fixed). */
const VARIANTS: Record<string, { opts: RetrieverOptions; strategy?: string }> = {
  planner: { opts: {} },
  'planner, tiny check budget (asks ListObjects early)': { opts: { planner: { postFilterBudget: 1 } } },
  'planner, ListObjects capped at 3': { opts: { listObjectsCap: 3, planner: { postFilterBudget: 1 } } },
  'forced pre-filter': { opts: { force: 'pre-filter' }, strategy: 'pre-filter' },
  'forced post-filter, ListObjects hints capped at 3': { opts: { force: 'post-filter', listObjectsCap: 3 }, strategy: 'post-filter' },
  'forced post-filter, no hints': { opts: { force: 'post-filter', listObjectsCap: 0 }, strategy: 'post-filter' },
};

/** A fresh, empty DocumentStore and ChunkIndex over one storage. */
interface Parts {
  readonly store: DocumentStore;
  readonly index: ChunkIndex;
  close(): Promise<void>;
}

let fga: FgaTestServer;
let pg: TestPostgres;
beforeAll(async () => {
  [fga, pg] = await Promise.all([startTestServer(), startTestPostgres()]);
});
afterAll(async () => {
  await fga?.close();
  await pg?.stop();
});

const STORES: Record<string, () => Promise<Parts>> = {
  SQLite: async () => {
    const db = openDatabase(':memory:');
    return { store: new SqliteDocumentStore(db), index: new SqliteFtsIndex(db), close: async () => void db.close() };
  },
  PostgreSQL: async () => {
    const url = await pg.createMigratedDatabase();
    const pool = createPostgresPool(url, { max: 4 });
    return {
      store: createPostgresDocumentStore(pool),
      index: createPostgresChunkIndex(pool),
      close: async () => {
        await pool.end();
        await pg.dropDatabase(url);
      },
    };
  },
};

describe.each(Object.keys(STORES))('authorized retrieval never leaks and keeps exact recall (randomised ACL graphs), on %s', (storeName) => {
  it(`${SEEDS} seeds x ${USERS} users x ${QUERIES_PER_USER} queries x ${Object.keys(VARIANTS).length} planner paths`, async () => {
    let searches = 0;
    const strategies = new Map<string, number>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rand = seededRandom(seed);
      const world = generateWorld(rand);
      const storeId = (await fga.client().createStore({ name: `leak-${storeName}-${seed}` })).id;
      const { authorization_model_id: modelId } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
      const authorizer: Authorizer = createAuthorizer({ apiUrl: fga.server.url, storeId, modelId, apiToken: fga.apiKey });
      await authorizer.writeTuples(world.tuples);

      const { store, index, close } = await STORES[storeName]!();
      for (const d of world.docs) await store.put({ id: d.id, folder: 'x', title: d.id, body: d.body, chunks: chunkText(d.body, { maxChars: 120 }) });
      const bodies = new Map(world.docs.map((d) => [d.id, d.body.replace(/\s+/g, ' ')]));
      const retrievers = Object.entries(VARIANTS).map(([name, v]) => ({ name, ...v, r: new AuthorizedRetriever(store, index, authorizer, v.opts) }));

      for (let u = 0; u < USERS; u++) {
        const user = `user:u${u}`;
        // the oracle: a Check per document
        const allowedList = await authorizer.batchCheck(world.docs.map((d) => ({ user, relation: 'viewer', object: `document:${d.id}` })));
        const allowed = new Set(world.docs.filter((_, i) => allowedList[i]).map((d) => d.id));
        // the pre-filter's premise: ListObjects returns exactly what Check allows (never more)
        const listed = (await authorizer.listObjects({ user, relation: 'viewer', type: 'document' })).objects.map((o) => o.slice('document:'.length));
        expect(listed.filter((id) => !allowed.has(id)), `seed ${seed}, ${user}: ListObjects beyond Check`).toEqual([]);
        expect(listed.length, `seed ${seed}, ${user}`).toBe(allowed.size);
        for (let q = 0; q < QUERIES_PER_USER; q++) {
          const text = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => VOCAB[Math.floor(rand() * VOCAB.length)]).join(' ');
          const k = 1 + Math.floor(rand() * 12);
          // the ranking read whole in one window, and page by page in small ones: one total order
          const whole = await new RankedDocuments(index, parseQuery(text)!, 1e6).next(1e6);
          const paged = new RankedDocuments(index, parseQuery(text)!, 1);
          const pages = [];
          for (let batch = await paged.next(3); batch.length; batch = await paged.next(3)) pages.push(...batch);
          expect(pages, `seed ${seed}, "${text}": paged ranking`).toEqual(whole);
          const unfiltered = whole.map((c) => c.documentId);
          const expected = unfiltered.filter((id) => allowed.has(id)).slice(0, k);
          for (const v of retrievers) {
            const { hits, trace } = await v.r.search(caller(user), text, k);
            searches++;
            strategies.set(trace.strategy, (strategies.get(trace.strategy) ?? 0) + 1);
            const where = `seed ${seed}, ${user}, "${text}", k=${k}, ${v.name}`;
            if (v.strategy) expect(trace.strategy, where).toBe(v.strategy);
            // a capped list is never used as a pre-filter
            if (trace.listObjects && !trace.listObjects.complete) expect(trace.strategy, where).toBe('post-filter');
            const leaked = hits.filter((h) => !allowed.has(h.id));
            expect(leaked, where).toEqual([]);
            expect(hits.map((h) => h.id), where).toEqual(expected);
            for (const h of hits) {
              // the snippet comes from that (authorized) document
              expect(h.snippet, where).not.toBe('');
              for (const part of h.snippet.replaceAll('**', '').split('…').map((p) => p.trim()).filter(Boolean)) {
                expect(bodies.get(h.id), where).toContain(part);
              }
            }
          }
        }
      }
      await close();
    }
    expect(searches).toBeGreaterThanOrEqual(4000);
    expect(strategies.get('pre-filter')).toBeGreaterThan(0);
    expect(strategies.get('post-filter')).toBeGreaterThan(0);
  }, 300_000);
});
