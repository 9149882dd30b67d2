import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FtsQuery } from '../../src/store/ports/chunk-index.js';
import { createPostgresChunkIndex } from '../../src/store/postgres/chunk-index.js';
import { createPostgresPool, type PgPool } from '../../src/store/postgres/database.js';
import { createPostgresDocumentStore } from '../../src/store/postgres/document-store.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

// The PostgreSQL chunk index builds its query from FtsQuery.terms (FtsQuery.match is FTS5 syntax for
// SQLite). Written from the side of a caller who gets query syntax into a term: tsquery operators
// (& | ! <-> :* parentheses), quotes and backslashes, SQL quoting. Each term must stay plain words.

let server: TestPostgres;
let pool: PgPool;
beforeAll(async () => {
  server = await startTestPostgres();
  pool = createPostgresPool(await server.createMigratedDatabase(), { max: 2 });
  const docs = createPostgresDocumentStore(pool);
  const put = (id: string, text: string) => docs.put({ id, folder: 'f', title: id, body: text, chunks: [text] });
  await put('salary', 'salary bands are published');
  await put('prefix', 'salaryman reports');
  await put('holiday', 'holiday calendar');
  await put('budget', 'budget review');
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

/** A query whose `match` is harmless (never read here) and whose terms are what the attacker chose. */
const raw = (...terms: string[]): FtsQuery => ({ match: 'text : ("unused")', terms });

describe('PostgreSQL chunk index: query terms are words, never tsquery or SQL syntax', () => {
  const index = () => createPostgresChunkIndex(pool);
  const ids = async (q: FtsQuery) => (await index().chunks(q, 10, 0)).map((c) => c.documentId).sort();

  it('a prefix operator does not widen a term', async () => {
    expect(await ids(raw('salary:*'))).toEqual(['salary']);
    expect(await ids(raw('sal:*'))).toEqual([]);
  });

  it('a negation does not turn a term into "everything but"', async () => {
    expect(await ids(raw('!holiday'))).toEqual(['holiday']);
    expect(await ids(raw('!!nothingmatches'))).toEqual([]);
  });

  it('OR, AND, phrase operators and parentheses inside one term are not obeyed', async () => {
    // as operators, each would match two documents; as words of one term, no chunk holds all of them
    expect(await ids(raw('salary | holiday'))).toEqual([]);
    expect(await ids(raw('(budget) | (holiday)'))).toEqual([]);
    expect(await ids(raw('budget <-> review'))).toEqual(['budget']);
  });

  it('quotes, backslashes and SQL quoting are data: no error, nothing extra, the table intact', async () => {
    expect(await ids(raw(`'); DROP TABLE document_chunks; --`, `\\' \\\\ "`, `&|!:*()`))).toEqual([]);
    expect(await ids(raw(`salary'`, `"holiday"`, `\\budget\\`))).toEqual(['budget', 'holiday', 'salary']);
    expect((await pool.query('SELECT count(*)::int AS n FROM document_chunks')).rows[0].n).toBe(4);
  });

  it('a term of operators only matches nothing (no error), and the other terms still count', async () => {
    expect(await ids(raw('&|!:*()'))).toEqual([]);
    expect(await ids(raw('&|!:*()', 'holiday'))).toEqual(['holiday']);
    expect(await ids(raw())).toEqual([]);
  });

  it('snippets read the same terms as words', async () => {
    const [hit] = await index().chunks(raw('!salary:*'), 10, 0);
    expect(hit?.documentId).toBe('salary');
    expect(await index().snippet(raw('!salary:*', `'); --`), hit!.chunk)).toBe('**salary** bands are published');
  });
});
