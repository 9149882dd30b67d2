import { createHash } from 'node:crypto';
import { CHUNKS_PER_DOCUMENT, DOCUMENT_ID, type DocumentStore, type DocumentSummary, type NewDocument, type PutOutcome, type StoredDocument } from '../ports/document-store.js';
import type { SqliteDatabase } from './database.js';

/** Documents in the SQLite Store (tables documents and document_chunks; FTS5 follows via triggers). */
export class SqliteDocumentStore implements DocumentStore {
  private readonly stmts;
  private countCache?: { value: number; at: number };

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      get: db.prepare('SELECT id, folder, title, body, source, sha256, updated_at AS updatedAt FROM documents WHERE id = ?'),
      meta: db.prepare('SELECT key, sha256, folder FROM documents WHERE id = ?'),
      upsert: db.prepare(`INSERT INTO documents (id, folder, title, source, sha256, body, created_at, updated_at)
        VALUES (@id, @folder, @title, @source, @sha256, @body, @now, @now)
        ON CONFLICT (id) DO UPDATE SET folder = excluded.folder, title = excluded.title, source = excluded.source,
          sha256 = excluded.sha256, body = excluded.body, updated_at = excluded.updated_at`),
      dropChunks: db.prepare('DELETE FROM document_chunks WHERE document_id = ?'),
      addChunk: db.prepare('INSERT INTO document_chunks (id, document_id, seq, text) VALUES (?, ?, ?, ?)'),
      keyOf: db.prepare('SELECT key FROM documents WHERE id = ?').pluck(),
      remove: db.prepare('DELETE FROM documents WHERE id = ?'),
      page: db.prepare('SELECT id, title FROM documents WHERE id > ? ORDER BY id LIMIT ?'),
      pageWithin: db.prepare('SELECT id, title FROM documents WHERE id > ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?'),
      keys: db.prepare('SELECT id, key FROM documents WHERE id IN (SELECT value FROM json_each(?))'),
      titles: db.prepare('SELECT id, title FROM documents WHERE id IN (SELECT value FROM json_each(?))'),
      count: db.prepare('SELECT count(*) AS n FROM documents'),
    };
  }

  /** Insert or replace a document and its chunks; unchanged content (same folder and hash) is a no-op. */
  async put(doc: NewDocument): Promise<PutOutcome> {
    if (!DOCUMENT_ID.test(doc.id)) throw new TypeError(`invalid document id "${doc.id}"`);
    const sha256 = createHash('sha256').update(doc.folder).update('\0').update(doc.title).update('\0').update(doc.body).digest('hex');
    return this.db.transaction((): PutOutcome => {
      const before = this.stmts.meta.get(doc.id) as { sha256: string } | undefined;
      if (before?.sha256 === sha256) return 'unchanged';
      this.stmts.upsert.run({ id: doc.id, folder: doc.folder, title: doc.title, source: doc.source ?? null, sha256, body: doc.body, now: this.now().toISOString() });
      this.stmts.dropChunks.run(doc.id);
      const key = this.stmts.keyOf.get(doc.id) as number;
      if (doc.chunks.length > CHUNKS_PER_DOCUMENT) throw new TypeError(`document "${doc.id}" has more than ${CHUNKS_PER_DOCUMENT} chunks`);
      doc.chunks.forEach((text, seq) => this.stmts.addChunk.run(key * CHUNKS_PER_DOCUMENT + seq, doc.id, seq, text));
      this.countCache = undefined;
      return before ? 'updated' : 'created';
    })();
  }

  async get(id: string): Promise<StoredDocument | undefined> {
    return this.stmts.get.get(id) as StoredDocument | undefined;
  }

  /** The folder a document is filed under, if it exists (ingest uses it to move parent tuples). */
  async folderOf(id: string): Promise<string | undefined> {
    return (this.stmts.meta.get(id) as { folder: string } | undefined)?.folder;
  }

  async remove(id: string): Promise<boolean> {
    const removed = this.stmts.remove.run(id).changes > 0;
    if (removed) this.countCache = undefined;
    return removed;
  }

  /** Documents in id order after `after` (exclusive), optionally only among `within`. */
  async page(after: string, limit: number, within?: readonly string[]): Promise<DocumentSummary[]> {
    return (within ? this.stmts.pageWithin.all(after, JSON.stringify(within), limit) : this.stmts.page.all(after, limit)) as DocumentSummary[];
  }

  /** The integer keys of the given documents (those that exist), for FTS pre-filtering. */
  async keys(ids: readonly string[]): Promise<number[]> {
    return (this.stmts.keys.all(JSON.stringify(ids)) as { key: number }[]).map((r) => r.key);
  }

  async titles(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = this.stmts.titles.all(JSON.stringify(ids)) as DocumentSummary[];
    return new Map(rows.map((r) => [r.id, r.title]));
  }

  /** How many documents exist (a planner estimate; cached for a few seconds). */
  async count(): Promise<number> {
    const t = Date.now();
    if (!this.countCache || t - this.countCache.at > 5_000) {
      this.countCache = { value: (this.stmts.count.get() as { n: number }).n, at: t };
    }
    return this.countCache.value;
  }
}
