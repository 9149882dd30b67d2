import type { Migration } from './index.js';

/**
 * Documents for retrieval: one row per document (stable slug id, folder, title, full text) and its
 * chunks, indexed by an external-content FTS5 table (bm25 ranking, porter stemming). Triggers keep the
 * index in step with the chunk rows, so replacing a document's chunks re-indexes it.
 *
 * A chunk's id is `document key * 4096 + seq`, so the FTS rowid alone names the document: a pre-filter
 * restricts a query to a set of documents inside SQLite (a per-row key test) without a join, and
 * with exactly the scores of the unfiltered query. Keys are AUTOINCREMENT: never reused.
 */
export const documents: Migration = {
  id: '006-documents',
  up: `
    CREATE TABLE documents (
      key         INTEGER PRIMARY KEY AUTOINCREMENT,
      id          TEXT NOT NULL UNIQUE,
      folder      TEXT NOT NULL,
      title       TEXT NOT NULL,
      source      TEXT,
      sha256      TEXT NOT NULL,
      body        TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    );
    CREATE TABLE document_chunks (
      id          INTEGER PRIMARY KEY,
      document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      seq         INTEGER NOT NULL CHECK (seq BETWEEN 0 AND 4095),
      text        TEXT NOT NULL,
      UNIQUE (document_id, seq)
    );
    CREATE VIRTUAL TABLE document_chunks_fts USING fts5(
      text,
      content = 'document_chunks',
      content_rowid = 'id',
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER document_chunks_ai AFTER INSERT ON document_chunks BEGIN
      INSERT INTO document_chunks_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER document_chunks_ad AFTER DELETE ON document_chunks BEGIN
      INSERT INTO document_chunks_fts (document_chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER document_chunks_au AFTER UPDATE ON document_chunks BEGIN
      INSERT INTO document_chunks_fts (document_chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
      INSERT INTO document_chunks_fts (rowid, text) VALUES (new.id, new.text);
    END;
  `,
};
