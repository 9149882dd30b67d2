import type { SqliteDatabase } from './database.js';

/**
 * Named secrets generated once per deployment and persisted (signing keys, cookie keys, encryption
 * keys). `generate` runs only when the name is absent; concurrent starters agree on the first value.
 */
export function getOrCreateSecret(db: SqliteDatabase, name: string, generate: () => string): string {
  const row = db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as { value: string } | undefined;
  if (row) return row.value;
  db.prepare('INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES (?, ?, ?)').run(name, generate(), new Date().toISOString());
  return (db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as { value: string }).value;
}
