import type { Migration } from './index.js';

/**
 * The embedded OpenFGA-compatible engine: stores, authorization models (JSON, ULID ids) and
 * relationship tuples. `seq` orders tuples for Read paging and rebuilds the in-memory index on start.
 */
export const fga: Migration = {
  id: '003-fga',
  up: `
    CREATE TABLE fga_stores (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL,
      deleted_at  TEXT
    );
    CREATE TABLE fga_models (
      id          TEXT PRIMARY KEY,
      store_id    TEXT NOT NULL REFERENCES fga_stores(id),
      body        TEXT NOT NULL,
      created_at  TEXT NOT NULL
    );
    CREATE INDEX fga_models_store ON fga_models(store_id, id);
    CREATE TABLE fga_tuples (
      seq               INTEGER PRIMARY KEY,
      store_id          TEXT NOT NULL REFERENCES fga_stores(id),
      object            TEXT NOT NULL,
      relation          TEXT NOT NULL,
      user              TEXT NOT NULL,
      condition_name    TEXT,
      condition_context TEXT,
      inserted_at       TEXT NOT NULL,
      UNIQUE (store_id, object, relation, user)
    );
  `,
};
