import type { PostgresMigration } from './index.js';

/** The audit hash chain: entries by `seq`, and the head kept apart so a removed tail is visible. */
export const core: PostgresMigration = {
  id: '001-core',
  up: `
    CREATE TABLE audit_log (
      seq        BIGINT PRIMARY KEY,
      at         TEXT NOT NULL,
      event      TEXT NOT NULL,
      data       TEXT NOT NULL,
      prev_hash  TEXT NOT NULL,
      hash       TEXT NOT NULL
    );
    CREATE TABLE audit_head (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      seq        BIGINT NOT NULL,
      hash       TEXT NOT NULL
    );
  `,
};
