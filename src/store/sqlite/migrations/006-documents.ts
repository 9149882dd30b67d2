import type { Migration } from './index.js';

/**
 * Documents for retrieval: one row per document (stable slug id, folder, title, full text) and its
 * chunks, indexed by an external-content FTS5 table (bm25 ranking, porter stemming). Triggers keep the
 * index in step with the chunk rows, so replacing a document's chunks re-indexes it.
 *
 * The FTS table has a second column, `doc`: the document's integer key as a single token, weighted 0
 * in the rank function. It lets a pre-filter restrict a query to a set of documents inside FTS5
 * (`text : (...) AND doc : (k1 OR k2 ...)`) with exactly the scores of the unfiltered query.
 */
export const documents: Migration = {
  id: '006-documents',
  up: `
    CREATE TABLE documents (
      key         INTEGER PRIMARY KEY,
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
      doc         INTEGER NOT NULL,
      seq         INTEGER NOT NULL,
      text        TEXT NOT NULL,
      UNIQUE (document_id, seq)
    );
    CREATE VIRTUAL TABLE document_chunks_fts USING fts5(
      text,
      doc,
      content = 'document_chunks',
      content_rowid = 'id',
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER document_chunks_ai AFTER INSERT ON document_chunks BEGIN
      INSERT INTO document_chunks_fts (rowid, text, doc) VALUES (new.id, new.text, new.doc);
    END;
    CREATE TRIGGER document_chunks_ad AFTER DELETE ON document_chunks BEGIN
      INSERT INTO document_chunks_fts (document_chunks_fts, rowid, text, doc) VALUES ('delete', old.id, old.text, old.doc);
    END;
    CREATE TRIGGER document_chunks_au AFTER UPDATE ON document_chunks BEGIN
      INSERT INTO document_chunks_fts (document_chunks_fts, rowid, text, doc) VALUES ('delete', old.id, old.text, old.doc);
      INSERT INTO document_chunks_fts (rowid, text, doc) VALUES (new.id, new.text, new.doc);
    END;
    INSERT INTO document_chunks_fts (document_chunks_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
  `,
};
