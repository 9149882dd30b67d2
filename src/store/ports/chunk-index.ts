export interface RankedChunk {
  readonly chunk: number;
  readonly documentId: string;
  /** bm25 as FTS5 reports it: negative, lower ranks higher. */
  readonly bm25: number;
}

/** A parsed query: an FTS5 expression built only from quoted words (no user syntax reaches FTS5). */
export interface FtsQuery {
  readonly match: string;
  readonly terms: readonly string[];
}

/**
 * Full-text ranking over document chunks. A document ranks by its best chunk; chunks are ordered by
 * (score, chunk id), a total order, so every strategy (unfiltered, restricted, paged) agrees on one ranking.
 */
export interface ChunkIndex {
  /**
   * Chunks `offset .. offset+limit` of the ranking, optionally restricted to the documents with the
   * given keys (DocumentStore.keys); an empty restriction returns nothing. The restriction removes
   * chunks; it never changes a score.
   */
  chunks(q: FtsQuery, limit: number, offset: number, restrictToKeys?: ReadonlySet<number>): Promise<RankedChunk[]>;
  /** A short highlighted excerpt of exactly this chunk for the query; '' when the chunk does not match. */
  snippet(q: FtsQuery, chunk: number): Promise<string>;
}
