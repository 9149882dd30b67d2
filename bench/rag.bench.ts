/**
 * Authorized retrieval at 100k documents: search latency (k=10) unfiltered (no authorization: the
 * floor), pre-filter (forced; against an FGA whose ListObjects is uncapped so the list is complete),
 * post-filter (forced) and the planner, for users who can view 1%, 10% and 90% of the corpus — all
 * in one run, queries interleaved across variants so machine noise hits each alike.
 *
 * FGA is the embedded engine over HTTP through @openfga/sdk, as in production. The planner runs
 * against a server whose ListObjects cap is 2,000 (OPENFGA_LIST_OBJECTS_MAX_RESULTS): the 1% user's
 * list (1,000) is complete, the 10% and 90% users' lists are capped, so both strategies are exercised.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dslToModel } from '../src/embedded/fga/dsl.js';
import { FgaEngine, seedTuples } from '../src/embedded/fga/index.js';
import { listen } from '../src/embedded/fga/http/server.js';
import { createAuthorizer, type TupleKey } from '../src/fga/authorizer.js';
import type { Caller } from '../src/identity/caller.js';
import { silentLogger } from '../src/log.js';
import { AuthorizedRetriever } from '../src/rag/authorized-retriever.js';
import { chunkText } from '../src/rag/chunker.js';
import { parseQuery, RankedDocuments } from '../src/rag/fts-index.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { SqliteDocumentStore } from '../src/store/sqlite/document-store.js';
import { SqliteFtsIndex } from '../src/store/sqlite/fts-index.js';
import { percentile, type BenchResult } from './index.js';
import { seededRandom } from '../test/helpers/prng.js';
import { generateDoc, generateQuery } from './rag-corpus.js';

/** The preshared key of the benchmarked FGA APIs. */
const BENCH_API_KEY = 'bench-fga-api-key-0123456789';

const DOCS = 100_000;
const FOLDERS = 100;
const K = 10;
const QUERIES = 150;
const WARMUP = 10;
const PLANNER_LIST_CAP = 2000;
const USERS = { '1pct': 1, '10pct': 10, '90pct': 90 } as const;

const MODEL = `model
  schema 1.1
type user
type folder
  relations
    define viewer: [user]
type document
  relations
    define parent: [folder]
    define viewer: [user] or viewer from parent`;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-rag-'));
  const closers: (() => Promise<void> | void)[] = [];
  try {
    // corpus
    const db = openDatabase(join(dir, 'docs.db'));
    closers.push(() => void db.close());
    const store = new SqliteDocumentStore(db);
    const rand = seededRandom(42);
    let t0 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < DOCS; i++) {
        const d = generateDoc(rand, i);
        store.put({ id: d.id, folder: `f${i % FOLDERS}`, title: d.title, body: d.body, chunks: chunkText(d.body) });
      }
    })();
    process.stderr.write(`  rag: indexed ${DOCS} documents in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    // FGA: one store, two servers over it (capped like a production server, and uncapped)
    t0 = performance.now();
    const fgaDb = openDatabase(join(dir, 'fga.db'));
    closers.push(() => void fgaDb.close());
    const seeding = new FgaEngine(fgaDb);
    const storeId = seeding.createStore('bench').id;
    const modelId = seeding.writeAuthorizationModel(storeId, dslToModel(MODEL));
    const tuples: TupleKey[] = [];
    for (let i = 0; i < DOCS; i++) tuples.push({ user: `folder:f${i % FOLDERS}`, relation: 'parent', object: `document:doc-${String(i).padStart(6, '0')}` });
    for (const [name, folders] of Object.entries(USERS)) for (let f = 0; f < folders; f++) tuples.push({ user: `user:${name}`, relation: 'viewer', object: `folder:f${f}` });
    seedTuples(seeding, storeId, modelId, tuples);
    const capped = await listen(new FgaEngine(fgaDb, { listObjectsMaxResults: PLANNER_LIST_CAP }), '127.0.0.1', 0, silentLogger, { apiKeys: [BENCH_API_KEY] });
    closers.unshift(() => capped.close());
    const uncapped = await listen(new FgaEngine(fgaDb, { listObjectsMaxResults: DOCS * 2 }), '127.0.0.1', 0, silentLogger, { apiKeys: [BENCH_API_KEY] });
    closers.unshift(() => uncapped.close());
    process.stderr.write(`  rag: fga seeded with ${tuples.length} tuples in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    const index = new SqliteFtsIndex(db);
    const authzCapped = createAuthorizer({ apiUrl: capped.url, storeId, modelId, apiToken: BENCH_API_KEY, listObjectsCap: PLANNER_LIST_CAP });
    const authzUncapped = createAuthorizer({ apiUrl: uncapped.url, storeId, modelId, apiToken: BENCH_API_KEY, listObjectsCap: DOCS * 2 });
    const planner = new AuthorizedRetriever(store, index, authzCapped);
    const prefilter = new AuthorizedRetriever(store, index, authzUncapped);
    const unfiltered = (text: string) => {
      const q = parseQuery(text)!;
      const hits = new RankedDocuments(index, q, K * 4).next(K);
      const titles = store.titles(hits.map((h) => h.documentId));
      return hits.map((h) => ({ id: h.documentId, title: titles.get(h.documentId), snippet: index.snippet(q, h.chunk) }));
    };

    const qrand = seededRandom(7);
    const queries = Array.from({ length: QUERIES + WARMUP }, () => generateQuery(qrand));
    const results: BenchResult[] = [];
    for (const [name] of Object.entries(USERS)) {
      const caller: Caller = { kind: 'user', sub: name, clientId: 'bench', scopes: ['docs:read'], permissions: [], issuer: 'bench', expiresAt: 0 };
      const variants: Record<string, (q: string) => Promise<unknown>> = {
        unfiltered: async (q) => unfiltered(q),
        'pre-filter': (q) => prefilter.search(caller, q, K, { force: 'pre-filter' }),
        'post-filter': (q) => planner.search(caller, q, K, { force: 'post-filter' }),
        planner: (q) => planner.search(caller, q, K),
      };
      const lat: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
      const strategies: Record<string, number> = {};
      for (const [i, q] of queries.entries()) {
        const order = Object.keys(variants);
        if (i % 2) order.reverse();
        for (const v of order) {
          // the forced post-filter is slow for sparse users: sample it on every third query only
          if (v === 'post-filter' && i % 3) continue;
          const t = performance.now();
          const r = await variants[v]!(q);
          if (i >= WARMUP) lat[v]!.push(performance.now() - t);
          if (v === 'planner') {
            const s = (r as { trace: { strategy: string } }).trace.strategy;
            strategies[s] = (strategies[s] ?? 0) + 1;
          }
        }
      }
      process.stderr.write(`  rag: ${name} planner chose ${JSON.stringify(strategies)}\n`);
      const stat = (v: string, p: number) => percentile([...lat[v]!].sort((a, b) => a - b), p);
      for (const p of [50, 99]) {
        const base = `rag.search.${name}.unfiltered.p${p}`;
        const b = stat('unfiltered', p);
        results.push({ name: base, value: b, unit: 'ms' });
        for (const v of ['pre-filter', 'post-filter', 'planner']) {
          const x = stat(v, p);
          results.push({ name: `rag.search.${name}.${v}.p${p}`, value: x, unit: 'ms', baseline: base, ratio: x / b });
        }
      }
    }
    return results;
  } finally {
    for (const c of closers) await c();
    rmSync(dir, { recursive: true, force: true });
  }
}
