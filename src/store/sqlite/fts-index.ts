import type { ChunkIndex, FtsQuery, RankedChunk } from '../ports/chunk-index.js';
import { CHUNKS_PER_DOCUMENT } from '../ports/document-store.js';
import type { SqliteDatabase } from './database.js';

/**
 * The set a restricted query may return, per database connection. The SQL function reads it; it is
 * set and cleared around one synchronous statement, so concurrent searches never see each other's.
 */
const restriction = new WeakMap<SqliteDatabase, { keys: ReadonlySet<number> | null }>();
const ALLOWED_FN = 'gatehouse_chunk_in_set';

/** The chunk index in the SQLite Store: FTS5 over document_chunks, bm25 on the `text` column. */
export class SqliteFtsIndex implements ChunkIndex {
  private readonly stmts;
  private readonly state: { keys: ReadonlySet<number> | null };

  constructor(private readonly db: SqliteDatabase) {
    let state = restriction.get(db);
    if (!state) {
      const s: { keys: ReadonlySet<number> | null } = { keys: null };
      db.function(ALLOWED_FN, { deterministic: false }, (rowid: unknown) =>
        s.keys !== null && s.keys.has(Math.floor(Number(rowid) / CHUNKS_PER_DOCUMENT)) ? 1 : 0,
      );
      restriction.set(db, (state = s));
    }
    this.state = state;
    const ranked = (filter: string) =>
      db.prepare(`SELECT rowid AS chunk, rank AS bm25 FROM document_chunks_fts WHERE document_chunks_fts MATCH ? ${filter} ORDER BY rank, rowid LIMIT ? OFFSET ?`);
    this.stmts = {
      ranked: ranked(''),
      within: ranked(`AND ${ALLOWED_FN}(rowid)`),
      owners: db.prepare('SELECT id AS chunk, document_id AS documentId FROM document_chunks WHERE id IN (SELECT value FROM json_each(?))'),
      // CAST matters: FTS5 answers `rowid = ?` bound to a JS number with every matching row (the
      // leakage property test caught a snippet from another document); the row id is re-checked too.
      snippet: db.prepare(
        `SELECT rowid AS chunk, snippet(document_chunks_fts, 0, '**', '**', '…', 24) AS s FROM document_chunks_fts WHERE document_chunks_fts MATCH ? AND rowid = CAST(? AS INTEGER)`,
      ),
    };
  }

  /**
   * Chunks `offset .. offset+limit` of the ranking, optionally restricted to the documents with the
   * given keys (DocumentStore.keys). The restriction removes chunks; it never changes a score.
   */
  async chunks(q: FtsQuery, limit: number, offset: number, restrictToKeys?: ReadonlySet<number>): Promise<RankedChunk[]> {
    let rows: { chunk: number; bm25: number }[];
    if (restrictToKeys) {
      if (!restrictToKeys.size) return [];
      this.state.keys = restrictToKeys;
      try {
        rows = this.stmts.within.all(q.match, limit, offset) as typeof rows;
      } finally {
        this.state.keys = null;
      }
    } else {
      rows = this.stmts.ranked.all(q.match, limit, offset) as typeof rows;
    }
    if (!rows.length) return [];
    const owner = new Map((this.stmts.owners.all(JSON.stringify(rows.map((r) => r.chunk))) as { chunk: number; documentId: string }[]).map((r) => [r.chunk, r.documentId]));
    return rows.flatMap((r) => {
      const documentId = owner.get(r.chunk);
      return documentId === undefined ? [] : [{ chunk: r.chunk, documentId, bm25: r.bm25 }];
    });
  }

  async snippet(q: FtsQuery, chunk: number): Promise<string> {
    const rows = this.stmts.snippet.all(q.match, chunk) as { chunk: number; s: string }[];
    const row = rows.length === 1 && rows[0]!.chunk === chunk ? rows[0]! : undefined;
    return (row?.s ?? '').replace(/\s+/g, ' ').trim();
  }
}

