import type { ChunkIndex, FtsQuery, RankedChunk } from '../ports/chunk-index.js';
import { CHUNKS_PER_DOCUMENT } from '../ports/document-store.js';
import type { PgPool } from './database.js';

/**
 * The query as PostgreSQL sees it: each parsed word through the `gatehouse` configuration
 * (plainto_tsquery: the word is data, never query syntax), OR-ed together. Only `terms` is used;
 * `match` is the SQLite index's FTS5 form of the same words.
 */
const QUERY = "WITH q AS (SELECT gatehouse_tsquery_or(plainto_tsquery('gatehouse', t)) AS q FROM unnest($1::text[]) AS t)";
const HEADLINE = 'StartSel=**, StopSel=**, MaxWords=24, MinWords=12, ShortWord=0, MaxFragments=1';

/**
 * The chunk index in PostgreSQL: a GIN-indexed tsvector per chunk, ranked by cover density. The score
 * reported as `bm25` is `-ts_rank_cd` (negative, lower ranks higher, as the port orders it); it depends
 * only on the chunk and the query, so restricting to some documents removes chunks and never changes
 * a score. Chunks are ordered by (score, chunk id), a total order.
 */
export function createPostgresChunkIndex(pool: PgPool): ChunkIndex {
  const ranked = (restricted: boolean) =>
    `${QUERY}
     SELECT c.id AS chunk, c.document_id AS "documentId", (-ts_rank_cd(c.tsv, q.q))::float8 AS bm25
     FROM document_chunks c, q
     WHERE c.tsv @@ q.q ${restricted ? `AND c.id / ${CHUNKS_PER_DOCUMENT} = ANY($4::bigint[])` : ''}
     ORDER BY bm25, c.id LIMIT $2 OFFSET $3`;
  const unrestrictedSql = ranked(false);
  const restrictedSql = ranked(true);
  const snippetSql = `${QUERY}
     SELECT c.id AS chunk, ts_headline('gatehouse', c.text, q.q, '${HEADLINE}') AS s
     FROM document_chunks c, q WHERE c.id = $2 AND c.tsv @@ q.q`;
  return {
    async chunks(q: FtsQuery, limit: number, offset: number, restrictToKeys?: ReadonlySet<number>): Promise<RankedChunk[]> {
      if (restrictToKeys && !restrictToKeys.size) return [];
      const terms = [...q.terms];
      const { rows } = restrictToKeys
        ? await pool.query<RankedChunk>(restrictedSql, [terms, limit, offset, [...restrictToKeys]])
        : await pool.query<RankedChunk>(unrestrictedSql, [terms, limit, offset]);
      return rows.map((r) => ({ chunk: r.chunk, documentId: r.documentId, bm25: r.bm25 }));
    },
    async snippet(q: FtsQuery, chunk: number): Promise<string> {
      if (!Number.isSafeInteger(chunk)) return '';
      const { rows } = await pool.query<{ chunk: number; s: string }>(snippetSql, [[...q.terms], chunk]);
      const row = rows.length === 1 && rows[0]!.chunk === chunk ? rows[0]! : undefined;
      return (row?.s ?? '').replace(/\s+/g, ' ').trim();
    },
  };
}
