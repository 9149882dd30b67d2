/**
 * The leakage property's Store half, on the PostgreSQL chunk index: over the same random ACL worlds
 * as leakage.property.test.ts (real embedded FGA as the oracle), the ranking restricted inside
 * PostgreSQL to a caller's ListObjects answer never holds a document the caller cannot view and is
 * exactly the unfiltered ranking restricted to what a per-document Check allows (exact top-k, both for
 * a pre-filter and for a post-filter walking the unfiltered ranking page by page); every snippet comes
 * from its own (authorized) document. The retriever's planner reads the index synchronously today, so
 * it runs on PostgreSQL once the ports are switched to their async form; this checks every premise it
 * relies on from the Store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslToModel } from '../../src/embedded/fga/dsl.js';
import { createAuthorizer, type Authorizer } from '../../src/fga/authorizer.js';
import { chunkText } from '../../src/rag/chunker.js';
import { parseQuery } from '../../src/rag/fts-index.js';
import type { Async } from '../../src/store/ports/async.js';
import type { ChunkIndex, FtsQuery, RankedChunk } from '../../src/store/ports/chunk-index.js';
import { createPostgresChunkIndex } from '../../src/store/postgres/chunk-index.js';
import { createPostgresPool } from '../../src/store/postgres/database.js';
import { createPostgresDocumentStore } from '../../src/store/postgres/document-store.js';
import { startTestServer, type FgaTestServer } from '../embedded/fga/helpers.js';
import { seededRandom } from '../helpers/prng.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { generateWorld, MODEL, QUERIES_PER_USER, SEEDS, USERS, VOCAB } from './acl-world.js';

/** Distinct documents at their best chunk, read from the index in growing windows (as RankedDocuments does). */
async function rankedDocuments(index: Async<ChunkIndex>, q: FtsQuery, want: number, restrict?: ReadonlySet<number>, keep: (id: string) => boolean = () => true) {
  const seen = new Set<string>();
  const out: RankedChunk[] = [];
  let offset = 0;
  let window = 16;
  for (;;) {
    const rows = await index.chunks(q, window, offset, restrict);
    for (const c of rows) {
      if (seen.has(c.documentId)) continue;
      seen.add(c.documentId);
      if (keep(c.documentId)) out.push(c);
      if (out.length === want) return out;
    }
    if (rows.length < window) return out;
    offset += window;
    window *= 4;
  }
}

describe('the PostgreSQL chunk index never leaks and keeps exact recall (randomised ACL graphs)', () => {
  let fga: FgaTestServer;
  let pgServer: TestPostgres;
  beforeAll(async () => {
    [fga, pgServer] = await Promise.all([startTestServer(), startTestPostgres()]);
  });
  afterAll(async () => {
    await fga?.close();
    await pgServer?.stop();
  });

  it(`${SEEDS} seeds x ${USERS} users x ${QUERIES_PER_USER} queries: pre-filter and paged post-filter`, async () => {
    let searches = 0;
    let hitsSeen = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rand = seededRandom(seed);
      const world = generateWorld(rand);
      const storeId = (await fga.client().createStore({ name: `leak-pg-${seed}` })).id;
      const { authorization_model_id: modelId } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
      const authorizer: Authorizer = createAuthorizer({ apiUrl: fga.server.url, storeId, modelId, apiToken: fga.apiKey });
      await authorizer.writeTuples(world.tuples);

      const url = await pgServer.createMigratedDatabase();
      const pool = createPostgresPool(url, { max: 4 });
      const store = createPostgresDocumentStore(pool);
      const index = createPostgresChunkIndex(pool);
      for (const d of world.docs) await store.put({ id: d.id, folder: 'x', title: d.id, body: d.body, chunks: chunkText(d.body, { maxChars: 120 }) });
      const bodies = new Map(world.docs.map((d) => [d.id, d.body.replace(/\s+/g, ' ')]));

      for (let u = 0; u < USERS; u++) {
        const user = `user:u${u}`;
        const allowedList = await authorizer.batchCheck(world.docs.map((d) => ({ user, relation: 'viewer', object: `document:${d.id}` })));
        const allowed = new Set(world.docs.filter((_, i) => allowedList[i]).map((d) => d.id));
        const listed = (await authorizer.listObjects({ user, relation: 'viewer', type: 'document' })).objects.map((o) => o.slice('document:'.length));
        expect(new Set(listed), `seed ${seed}, ${user}: ListObjects equals Check`).toEqual(allowed);
        const keys = new Set(await store.keys(listed));
        expect(keys.size).toBe(allowed.size);
        for (let n = 0; n < QUERIES_PER_USER; n++) {
          const text = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => VOCAB[Math.floor(rand() * VOCAB.length)]).join(' ');
          const k = 1 + Math.floor(rand() * 12);
          const q = parseQuery(text)!;
          const where = `seed ${seed}, ${user}, "${text}", k=${k}`;
          const unfiltered = (await rankedDocuments(index, q, 1e6)).map((c) => c.documentId);
          const expected = unfiltered.filter((id) => allowed.has(id)).slice(0, k);
          // pre-filter: restricted inside PostgreSQL
          const pre = keys.size ? await rankedDocuments(index, q, k, keys) : [];
          expect(pre.filter((c) => !allowed.has(c.documentId)), where).toEqual([]);
          expect(pre.map((c) => c.documentId), where).toEqual(expected);
          // post-filter: the unfiltered ranking, page by page, kept only where Check allowed
          const post = await rankedDocuments(index, q, k, undefined, (id) => allowed.has(id));
          expect(post, where).toEqual(pre);
          for (const c of pre) {
            const snippet = await index.snippet(q, c.chunk);
            expect(snippet, where).not.toBe('');
            for (const part of snippet.replaceAll('**', '').split('…').map((p) => p.trim()).filter(Boolean)) expect(bodies.get(c.documentId), where).toContain(part);
          }
          searches++;
          hitsSeen += pre.length;
        }
      }
      await pool.end();
      await pgServer.dropDatabase(url);
    }
    expect(searches).toBe(SEEDS * USERS * QUERIES_PER_USER);
    expect(hitsSeen).toBeGreaterThan(searches);
  }, 300_000);
});
