import type { Migration } from './index.js';

/**
 * The embedded OpenFGA engine's change log (ReadChanges: every tuple write and delete, in order, with
 * its time; tuples stored before this migration are logged as writes at their insertion time) and its
 * assertions (one JSON list per store and authorization model, as WriteAssertions replaces them).
 */
export const fgaChanges: Migration = {
  id: '011-fga-changes',
  up: `
    CREATE TABLE fga_changes (
      seq               INTEGER PRIMARY KEY,
      store_id          TEXT NOT NULL REFERENCES fga_stores(id),
      object            TEXT NOT NULL,
      relation          TEXT NOT NULL,
      user              TEXT NOT NULL,
      condition_name    TEXT,
      condition_context TEXT,
      operation         TEXT NOT NULL CHECK (operation IN ('write', 'delete')),
      changed_at        TEXT NOT NULL
    );
    CREATE INDEX fga_changes_store ON fga_changes(store_id, seq);
    INSERT INTO fga_changes (store_id, object, relation, user, condition_name, condition_context, operation, changed_at)
      SELECT store_id, object, relation, user, condition_name, condition_context, 'write', inserted_at FROM fga_tuples ORDER BY seq;
    CREATE TABLE fga_assertions (
      store_id  TEXT NOT NULL REFERENCES fga_stores(id),
      model_id  TEXT NOT NULL,
      body      TEXT NOT NULL,
      PRIMARY KEY (store_id, model_id)
    );
  `,
};
