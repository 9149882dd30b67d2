import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, restrictFile } from '../../lib/private-file.js';
import { migrations } from './migrations/index.js';
import { moveSecretsToFiles } from './secrets.js';

export type SqliteDatabase = Database.Database;

/** Where the key files of the database `file` live: `keys/` beside it. */
export function keyDirFor(file: string): string {
  if (file === ':memory:' || file === '') throw new TypeError('an in-memory database has no key directory; pass one');
  return join(dirname(file), 'keys');
}

/**
 * Opens (creating if needed) the SQLite file that holds all Gatehouse state in the embedded default,
 * and brings its schema up to date. `:memory:` is accepted for tests that need no persistence.
 *
 * At rest: the directory is 0700, the database and its WAL/SHM files 0600, and deleted content is
 * overwritten (`secure_delete`). Secrets that earlier releases stored in the `secrets` table are moved
 * to their key files (`keyDirFor(file)`) on open; after such a move the database is vacuumed and its
 * write-ahead log truncated, so the old bytes are gone from both files.
 */
export function openDatabase(file: string): SqliteDatabase {
  const onDisk = file !== ':memory:';
  if (onDisk) {
    ensurePrivateDir(dirname(file));
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    restrictFile(file);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('secure_delete = ON');
  db.function('gatehouse_sha256', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? sha256(value) : value));
  const changed = migrate(db);
  if (onDisk) {
    const moved = moveSecretsToFiles(db, keyDirFor(file));
    if (moved > 0 || changed.some((id) => SCRUBBING_MIGRATIONS.has(id))) scrub(db);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) restrictFile(f);
  }
  return db;
}

/** Migrations that remove secrets from existing rows: after them, freed pages and the WAL are scrubbed. */
const SCRUBBING_MIGRATIONS = new Set(['007-at-rest']);

/** SHA-256 (base64url) of a stored secret: the form in which bearer values are keyed at rest. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function scrub(db: SqliteDatabase): void {
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function migrate(db: SqliteDatabase): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id),
  );
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const ran: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.up);
      record.run(m.id, new Date().toISOString());
    })();
    ran.push(m.id);
  }
  return ran;
}
