import type { PostgresMigration } from './index.js';

/**
 * Named secrets shared by every instance (signing keys, cookie keys, encryption keys), each sealed
 * with AES-256-GCM under a key that is not in the database (see secret-store.ts): a copy of the
 * database is not a copy of the keys. The name is bound into the seal, so rows cannot be swapped.
 */
export const secrets: PostgresMigration = {
  id: '007-secrets',
  up: `
    CREATE TABLE secrets (
      name        TEXT PRIMARY KEY,
      sealed      TEXT NOT NULL,
      created_at  TEXT NOT NULL
    );
  `,
};
