import { createHash } from 'node:crypto';
import { CHUNKS_PER_DOCUMENT, DOCUMENT_ID, type DocumentStore, type DocumentSummary, type PutOutcome, type StoredDocument } from '../ports/document-store.js';
import { inTransaction, type PgPool } from './database.js';

const COUNT_TTL_MS = 5_000;

/**
 * Documents in PostgreSQL (tables documents and document_chunks; each chunk's tsvector is a generated
 * column, so the search index follows every write). A put holds the document's row from its read to
 * its commit, so concurrent puts of one id apply one after the other.
 */
export function createPostgresDocumentStore(pool: PgPool, now: () => Date = () => new Date()): DocumentStore {
  let countCache: { value: number; at: number } | undefined;
  return {
    async put(doc) {
      if (!DOCUMENT_ID.test(doc.id)) throw new TypeError(`invalid document id "${doc.id}"`);
      if (doc.chunks.length > CHUNKS_PER_DOCUMENT) throw new TypeError(`document "${doc.id}" has more than ${CHUNKS_PER_DOCUMENT} chunks`);
      const sha256 = createHash('sha256').update(doc.folder).update('\0').update(doc.title).update('\0').update(doc.body).digest('hex');
      const outcome = await inTransaction(pool, async (c): Promise<PutOutcome> => {
        const before = (await c.query<{ sha256: string }>('SELECT sha256 FROM documents WHERE id = $1 FOR UPDATE', [doc.id])).rows[0];
        if (before?.sha256 === sha256) return 'unchanged';
        const at = now().toISOString();
        const { key } = (
          await c.query<{ key: number }>(
            `INSERT INTO documents (id, folder, title, source, sha256, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (id) DO UPDATE SET folder = excluded.folder, title = excluded.title, source = excluded.source,
               sha256 = excluded.sha256, body = excluded.body, updated_at = excluded.updated_at
             RETURNING key`,
            [doc.id, doc.folder, doc.title, doc.source ?? null, sha256, doc.body, at],
          )
        ).rows[0]!;
        await c.query('DELETE FROM document_chunks WHERE document_id = $1', [doc.id]);
        if (doc.chunks.length) {
          await c.query(
            `INSERT INTO document_chunks (id, document_id, seq, text)
             SELECT $1::bigint * ${CHUNKS_PER_DOCUMENT} + (s.n - 1), $2, (s.n - 1)::int, s.text FROM unnest($3::text[]) WITH ORDINALITY AS s (text, n)`,
            [key, doc.id, [...doc.chunks]],
          );
        }
        return before ? 'updated' : 'created';
      });
      if (outcome !== 'unchanged') countCache = undefined;
      return outcome;
    },
    get: async (id) =>
      (await pool.query<StoredDocument>('SELECT id, folder, title, body, source, sha256, updated_at AS "updatedAt" FROM documents WHERE id = $1', [id])).rows[0],
    folderOf: async (id) => (await pool.query<{ folder: string }>('SELECT folder FROM documents WHERE id = $1', [id])).rows[0]?.folder,
    async remove(id) {
      const removed = ((await pool.query('DELETE FROM documents WHERE id = $1', [id])).rowCount ?? 0) > 0;
      if (removed) countCache = undefined;
      return removed;
    },
    page: async (after, limit, within) =>
      (
        within
          ? await pool.query<DocumentSummary>('SELECT id, title FROM documents WHERE id > $1 AND id = ANY($2::text[]) ORDER BY id LIMIT $3', [after, [...within], limit])
          : await pool.query<DocumentSummary>('SELECT id, title FROM documents WHERE id > $1 ORDER BY id LIMIT $2', [after, limit])
      ).rows,
    keys: async (ids) => (await pool.query<{ key: number }>('SELECT key FROM documents WHERE id = ANY($1::text[])', [[...ids]])).rows.map((r) => r.key),
    titles: async (ids) => new Map((await pool.query<DocumentSummary>('SELECT id, title FROM documents WHERE id = ANY($1::text[])', [[...ids]])).rows.map((r) => [r.id, r.title])),
    async count() {
      const t = Date.now();
      if (!countCache || t - countCache.at > COUNT_TTL_MS) {
        countCache = { value: (await pool.query<{ n: number }>('SELECT count(*) AS n FROM documents')).rows[0]!.n, at: t };
      }
      return countCache.value;
    },
  };
}
