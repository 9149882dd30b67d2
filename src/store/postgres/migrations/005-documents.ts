import type { PostgresMigration } from './index.js';

/**
 * Documents for retrieval and their chunks, with full-text search: a stored tsvector per chunk under
 * a GIN index, ranked by cover density (ts_rank_cd). The text search configuration `gatehouse` is
 * English with Snowball stemming and no stopword list (a query made only of common words, which the
 * query parser keeps when nothing else is left, still matches), like the SQLite index's porter stemmer.
 *
 * A chunk's id is `document key * 4096 + seq`, so the chunk id alone names the document: a pre-filter
 * restricts a query to a set of documents without a join and without changing any score (ts_rank_cd
 * reads only the chunk and the query). Keys come from an identity column: never reused. Ids compare
 * byte-wise (COLLATE "C"), so pages come in the same order whatever the database's locale.
 * `gatehouse_tsquery_or` ORs the per-word queries built from the parsed words.
 */
export const documents: PostgresMigration = {
  id: '005-documents',
  up: `
    CREATE TEXT SEARCH DICTIONARY gatehouse_english_stem (TEMPLATE = snowball, LANGUAGE = english);
    CREATE TEXT SEARCH CONFIGURATION gatehouse (COPY = pg_catalog.english);
    ALTER TEXT SEARCH CONFIGURATION gatehouse
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH gatehouse_english_stem;
    CREATE AGGREGATE gatehouse_tsquery_or (tsquery) (SFUNC = tsquery_or, STYPE = tsquery);
    CREATE TABLE documents (
      key         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id          TEXT COLLATE "C" NOT NULL UNIQUE,
      folder      TEXT NOT NULL,
      title       TEXT NOT NULL,
      source      TEXT,
      sha256      TEXT NOT NULL,
      body        TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    );
    CREATE TABLE document_chunks (
      id          BIGINT PRIMARY KEY,
      document_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      seq         INTEGER NOT NULL CHECK (seq BETWEEN 0 AND 4095),
      text        TEXT NOT NULL,
      tsv         tsvector GENERATED ALWAYS AS (to_tsvector('gatehouse'::regconfig, text)) STORED,
      UNIQUE (document_id, seq)
    );
    CREATE INDEX document_chunks_tsv ON document_chunks USING GIN (tsv);
  `,
};
