/**
 * Full-text ranking over document chunks (SQLite FTS5, bm25 on the `text` column). A document ranks by
 * its best chunk; chunks are ordered by (bm25, chunk id), a total order, so every strategy — unfiltered,
 * restricted to a set of documents, paged — agrees on one ranking. Snippets are made on demand, only
 * for results already authorized.
 */
import type { SqliteDatabase } from '../store/sqlite/database.js';
import { CHUNKS_PER_DOCUMENT } from './document-store.js';

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

const MAX_TERMS = 12;
const STOPWORDS = new Set(
  'a an and are as at be but by for from has have how i if in is it its of on or our that the their there this to was we what when where which who why will with you your'.split(' '),
);

/** Words only (letters and digits), OR-ed, searched in the text column; stopwords dropped unless nothing else is left. */
export function parseQuery(text: string): FtsQuery | undefined {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = words.filter((w) => !STOPWORDS.has(w));
  const terms = (content.length ? content : words).slice(0, MAX_TERMS);
  if (!terms.length) return undefined;
  return { match: `text : (${terms.map((t) => `"${t}"`).join(' OR ')})`, terms };
}

/**
 * The set a restricted query may return, per database connection. The SQL function reads it; it is
 * set and cleared around one synchronous statement, so concurrent searches never see each other's.
 */
const restriction = new WeakMap<SqliteDatabase, { keys: ReadonlySet<number> | null }>();
const ALLOWED_FN = 'gatehouse_chunk_in_set';

export class FtsIndex {
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
  chunks(q: FtsQuery, limit: number, offset: number, restrictToKeys?: ReadonlySet<number>): RankedChunk[] {
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

  snippet(q: FtsQuery, chunk: number): string {
    const rows = this.stmts.snippet.all(q.match, chunk) as { chunk: number; s: string }[];
    const row = rows.length === 1 && rows[0]!.chunk === chunk ? rows[0]! : undefined;
    return (row?.s ?? '').replace(/\s+/g, ' ').trim();
  }
}

/**
 * The ranking as a stream of distinct documents, each at its best chunk, fetched from FTS5 in
 * growing windows. One stream serves one search.
 */
export class RankedDocuments {
  private readonly seen = new Set<string>();
  private buffer: RankedChunk[] = [];
  private offset = 0;
  private exhausted = false;
  private window: number;
  /** FTS5 queries run so far (for the audit trail). */
  queries = 0;

  constructor(
    private readonly index: FtsIndex,
    private readonly query: FtsQuery,
    firstWindow: number,
    private readonly restrictToKeys?: ReadonlySet<number>,
  ) {
    this.window = Math.max(16, Math.ceil(firstWindow));
  }

  /** Candidates fetched but not yet returned (an upper bound on documents available without an FTS query). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Up to `n` next documents in rank order; fewer only when the ranking is exhausted. */
  next(n: number): RankedChunk[] {
    const out: RankedChunk[] = [];
    while (out.length < n) {
      if (!this.buffer.length) {
        if (this.exhausted) break;
        this.fill();
        continue;
      }
      const c = this.buffer.shift()!;
      if (this.seen.has(c.documentId)) continue;
      this.seen.add(c.documentId);
      out.push(c);
    }
    return out;
  }

  private fill(): void {
    const rows = this.index.chunks(this.query, this.window, this.offset, this.restrictToKeys);
    this.queries++;
    this.offset += this.window;
    if (rows.length < this.window) this.exhausted = true;
    this.buffer = rows;
    this.window *= 4;
  }
}
