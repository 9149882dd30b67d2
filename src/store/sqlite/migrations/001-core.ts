import type { Migration } from './index.js';

/** The audit hash chain, and named secrets generated once per deployment (signing keys, cookie keys). */
export const core: Migration = {
  id: '001-core',
  up: `
    CREATE TABLE audit_log (
      seq        INTEGER PRIMARY KEY,
      at         TEXT NOT NULL,
      event      TEXT NOT NULL,
      data       TEXT NOT NULL,
      prev_hash  TEXT NOT NULL,
      hash       TEXT NOT NULL
    );
    CREATE TABLE audit_head (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      seq        INTEGER NOT NULL,
      hash       TEXT NOT NULL
    );
    CREATE TABLE secrets (
      name       TEXT PRIMARY KEY,
      value      TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
  `,
};
