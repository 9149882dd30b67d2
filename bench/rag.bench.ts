/**
 * Authorized retrieval at 100k documents, on both Stores side by side: search latency (k=10)
 * unfiltered (no authorization: the floor), pre-filter (forced; against an FGA whose ListObjects is
 * uncapped so the list is complete), post-filter (forced) and the planner, for users who can view 1%,
 * 10% and 90% of the corpus — all in one run, queries interleaved across variants and Stores so machine
 * noise hits each alike. The same corpus goes into SQLite (FTS5) and PostgreSQL (tsvector + GIN, a
 * throwaway cluster on loopback from Debian's binaries, written through the port with a few puts in
 * flight); the same queries run against the same FGA. SQLite rows compare each variant with SQLite's
 * unfiltered search; PostgreSQL rows compare each variant with the same variant on SQLite.
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
import { createAuthorizer, type Authorizer, type TupleKey } from '../src/fga/authorizer.js';
import type { Caller } from '../src/identity/caller.js';
import { silentLogger } from '../src/log.js';
import { AuthorizedRetriever } from '../src/rag/authorized-retriever.js';
import { chunkText } from '../src/rag/chunker.js';
import { parseQuery, RankedDocuments } from '../src/rag/fts-index.js';
import type { ChunkIndex } from '../src/store/ports/chunk-index.js';
import type { DocumentStore, NewDocument } from '../src/store/ports/document-store.js';
import { createPostgresChunkIndex } from '../src/store/postgres/chunk-index.js';
import { createPostgresPool } from '../src/store/postgres/database.js';
import { createPostgresDocumentStore } from '../src/store/postgres/document-store.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { SqliteDocumentStore } from '../src/store/sqlite/document-store.js';
import { SqliteFtsIndex } from '../src/store/sqlite/fts-index.js';
import { percentile, type BenchResult } from './index.js';
import { startTestPostgres } from '../test/helpers/postgres.js';
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
/** Puts in flight while loading PostgreSQL (one pool connection each). */
const PG_LOADERS = 8;
const USERS = { '1pct': 1, '10pct': 10, '90pct': 90 } as const;
const STORES = ['sqlite', 'postgres'] as const;
const VARIANTS = ['unfiltered', 'pre-filter', 'post-filter', 'planner'] as const;

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

type Search = (caller: Caller, q: string) => Promise<unknown>;

/** The four variants over one Store's documents and chunk index. */
function variantsOver(store: DocumentStore, index: ChunkIndex, authz: { capped: Authorizer; uncapped: Authorizer }): Record<(typeof VARIANTS)[number], Search> {
  const planner = new AuthorizedRetriever(store, index, authz.capped);
  const prefilter = new AuthorizedRetriever(store, index, authz.uncapped);
  return {
    unfiltered: async (_caller, text) => {
      const q = parseQuery(text)!;
      const hits = await new RankedDocuments(index, q, K * 4).next(K);
      const titles = await store.titles(hits.map((h) => h.documentId));
      const snippets = await Promise.all(hits.map((h) => index.snippet(q, h.chunk)));
      return hits.map((h, i) => ({ id: h.documentId, title: titles.get(h.documentId), snippet: snippets[i] }));
    },
    'pre-filter': (caller, q) => prefilter.search(caller, q, K, { force: 'pre-filter' }),
    'post-filter': (caller, q) => planner.search(caller, q, K, { force: 'post-filter' }),
    planner: (caller, q) => planner.search(caller, q, K),
  };
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-rag-'));
  const closers: (() => Promise<void> | void)[] = [];
  try {
    // corpus: the same documents in both Stores
    const rand = seededRandom(42);
    const corpus: NewDocument[] = [];
    for (let i = 0; i < DOCS; i++) {
      const d = generateDoc(rand, i);
      corpus.push({ id: d.id, folder: `f${i % FOLDERS}`, title: d.title, body: d.body, chunks: chunkText(d.body) });
    }
    const db = openDatabase(join(dir, 'docs.db'));
    closers.push(() => void db.close());
    const sqliteStore = new SqliteDocumentStore(db);
    let t0 = performance.now();
    const puts: Promise<unknown>[] = [];
    // each put's body is synchronous: one transaction around all of them
    db.transaction(() => {
      for (const d of corpus) puts.push(sqliteStore.put(d));
    })();
    await Promise.all(puts);
    process.stderr.write(`  rag: sqlite indexed ${DOCS} documents in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    t0 = performance.now();
    const pg = await startTestPostgres();
    closers.push(() => pg.stop());
    const pool = createPostgresPool(await pg.createMigratedDatabase(), { max: PG_LOADERS });
    closers.unshift(() => pool.end());
    const pgStore = createPostgresDocumentStore(pool);
    let next = 0;
    await Promise.all(
      Array.from({ length: PG_LOADERS }, async () => {
        while (next < corpus.length) await pgStore.put(corpus[next++]!);
      }),
    );
    await pool.query('VACUUM ANALYZE documents, document_chunks');
    process.stderr.write(`  rag: postgres indexed ${DOCS} documents in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

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

    const authz = {
      capped: createAuthorizer({ apiUrl: capped.url, storeId, modelId, apiToken: BENCH_API_KEY, listObjectsCap: PLANNER_LIST_CAP }),
      uncapped: createAuthorizer({ apiUrl: uncapped.url, storeId, modelId, apiToken: BENCH_API_KEY, listObjectsCap: DOCS * 2 }),
    };
    const stores = {
      sqlite: variantsOver(sqliteStore, new SqliteFtsIndex(db), authz),
      postgres: variantsOver(pgStore, createPostgresChunkIndex(pool), authz),
    };

    const qrand = seededRandom(7);
    const queries = Array.from({ length: QUERIES + WARMUP }, () => generateQuery(qrand));
    const results: BenchResult[] = [];
    for (const [name] of Object.entries(USERS)) {
      const caller: Caller = { kind: 'user', sub: name, clientId: 'bench', scopes: ['docs:read'], permissions: [], issuer: 'bench', expiresAt: 0 };
      const runs = STORES.flatMap((s) => VARIANTS.map((v) => ({ s, v, key: `${s}.${v}` })));
      const lat: Record<string, number[]> = Object.fromEntries(runs.map((r) => [r.key, []]));
      const strategies: Record<string, Record<string, number>> = { sqlite: {}, postgres: {} };
      for (const [i, q] of queries.entries()) {
        const order = i % 2 ? [...runs].reverse() : runs;
        for (const { s, v, key } of order) {
          // the forced post-filter is slow for sparse users: sample it on every third query only
          if (v === 'post-filter' && i % 3) continue;
          const t = performance.now();
          const r = await stores[s][v](caller, q);
          if (i >= WARMUP) lat[key]!.push(performance.now() - t);
          if (v === 'planner') {
            const chosen = (r as { trace: { strategy: string } }).trace.strategy;
            strategies[s]![chosen] = (strategies[s]![chosen] ?? 0) + 1;
          }
        }
      }
      process.stderr.write(`  rag: ${name} planner chose ${JSON.stringify(strategies)}\n`);
      const stat = (key: string, p: number) => percentile([...lat[key]!].sort((a, b) => a - b), p);
      for (const p of [50, 99]) {
        const base = `rag.search.${name}.unfiltered.p${p}`;
        const b = stat('sqlite.unfiltered', p);
        results.push({ name: base, value: b, unit: 'ms' });
        for (const v of VARIANTS.slice(1)) {
          const x = stat(`sqlite.${v}`, p);
          results.push({ name: `rag.search.${name}.${v}.p${p}`, value: x, unit: 'ms', baseline: base, ratio: x / b });
        }
        for (const v of VARIANTS) {
          const x = stat(`postgres.${v}`, p);
          const sqliteName = v === 'unfiltered' ? base : `rag.search.${name}.${v}.p${p}`;
          results.push({ name: `rag.search.${name}.postgres.${v}.p${p}`, value: x, unit: 'ms', baseline: sqliteName, ratio: x / stat(`sqlite.${v}`, p) });
        }
      }
    }
    return results;
  } finally {
    for (const c of closers) await c();
    rmSync(dir, { recursive: true, force: true });
  }
}
