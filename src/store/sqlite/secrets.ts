import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreatePrivateFile } from '../../lib/private-file.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { SqliteDatabase } from './database.js';

/**
 * Named secrets generated once per deployment (signing key, cookie keys, client secrets, encryption
 * keys) live in 0600 files `<keyDir>/<name>.key` beside the database, never inside it: a copy of the
 * database is not a copy of the keys.
 */
const NAME = /^[a-z0-9][a-z0-9.-]{0,99}$/;

export function secretFile(keyDir: string, name: string): string {
  if (!NAME.test(name) || name.includes('..')) throw new TypeError(`secret name "${name}" is not a plain lowercase name`);
  return join(keyDir, `${name}.key`);
}

/**
 * The secret `name`, generated (32 random bytes, base64url, unless `generate` says otherwise) on first
 * use and persisted; concurrent starters agree on the first file written.
 */
export function loadNamedSecret(keyDir: string, name: string, generate: () => string = randomSecret): string {
  return readOrCreatePrivateFile(secretFile(keyDir, name), generate);
}

/** The SecretStore of a deployment: its key files in `keyDir` (see keyDirFor). */
export function createKeyFileSecretStore(keyDir: string): SecretStore {
  return { get: async (name, generate) => loadNamedSecret(keyDir, name, generate) };
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Moves secrets that earlier releases kept in the `secrets` table into their key files, then deletes
 * the rows. A key file that already exists wins (it is what the running deployment uses). Idempotent.
 * Returns how many rows were removed.
 */
export function moveSecretsToFiles(db: SqliteDatabase, keyDir: string): number {
  const rows = db.prepare('SELECT name, value FROM secrets').all() as { name: string; value: string }[];
  const remove = db.prepare('DELETE FROM secrets WHERE name = ?');
  for (const { name, value } of rows) {
    const file = secretFile(keyDir, name);
    if (!existsSync(file)) readOrCreatePrivateFile(file, () => value);
    remove.run(name);
  }
  return rows.length;
}
