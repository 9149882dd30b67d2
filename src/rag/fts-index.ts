/**
 * Full-text ranking over document chunks (the Store's ChunkIndex: FTS5 bm25 in SQLite, a tsvector
 * ranked by cover density in PostgreSQL). A document ranks by its best chunk; chunks are ordered by
 * (score, chunk id), a total order, so every strategy — unfiltered, restricted to a set of documents,
 * paged — agrees on one ranking. Snippets are made on demand, only for results already authorized.
 */
import type { ChunkIndex as FtsIndex, FtsQuery, RankedChunk } from '../store/ports/chunk-index.js';

export type { ChunkIndex as FtsIndex, FtsQuery, RankedChunk } from '../store/ports/chunk-index.js';

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
 * The ranking as a stream of distinct documents, each at its best chunk, fetched from the chunk index
 * in growing windows. One stream serves one search (its calls are awaited one after another).
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
  async next(n: number): Promise<RankedChunk[]> {
    const out: RankedChunk[] = [];
    while (out.length < n) {
      if (!this.buffer.length) {
        if (this.exhausted) break;
        await this.fill();
        continue;
      }
      const c = this.buffer.shift()!;
      if (this.seen.has(c.documentId)) continue;
      this.seen.add(c.documentId);
      out.push(c);
    }
    return out;
  }

  private async fill(): Promise<void> {
    const rows = await this.index.chunks(this.query, this.window, this.offset, this.restrictToKeys);
    this.queries++;
    this.offset += this.window;
    if (rows.length < this.window) this.exhausted = true;
    this.buffer = rows;
    this.window *= 4;
  }
}
