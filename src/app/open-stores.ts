/**
 * Opens the Store the configuration names: SQLite in the data dir (the default), or PostgreSQL at
 * GATEHOUSE_DATABASE_URL (migrated on start under an advisory lock, so instances may start together).
 * With PostgreSQL the named secrets live in the database, sealed with GATEHOUSE_SEALING_KEY or the key
 * generated once into `<data>/keys/store-sealing.key`; every instance must hold the same key.
 */
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { join } from 'node:path';
import { keyDirFor, openDatabase, type SqliteDatabase } from '../store/sqlite/database.js';
import { loadNamedSecret } from '../store/sqlite/secrets.js';
import { sqliteStores } from '../store/sqlite/stores.js';
import type { Stores } from '../store/stores.js';

export async function openStores(config: Config, o: { readonly db: SqliteDatabase | undefined; readonly keyDir: string; readonly logger: Logger }): Promise<Stores> {
  if (config.store.kind === 'sqlite') {
    if (!o.db) throw new TypeError('the SQLite Store needs the data dir database');
    return sqliteStores(o.db, o.keyDir);
  }
  const sealingKey = Buffer.from(config.store.sealingKey ?? loadNamedSecret(o.keyDir, 'store-sealing'), 'base64url');
  // pg is loaded only when PostgreSQL is configured.
  const { openPostgresStores } = await import('../store/postgres/index.js');
  try {
    return await openPostgresStores(config.store.url, {
      max: config.store.poolSize,
      secretSealingKey: sealingKey,
      onIdleError: (err) => o.logger.warn({ err: { message: err.message } }, 'an idle PostgreSQL connection failed (it is replaced on demand)'),
    });
  } catch (err) {
    // pg's messages name the host and user, never the password; the URL itself is not repeated.
    throw new Error(`PostgreSQL (GATEHOUSE_DATABASE_URL) could not be opened: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * A named secret from the Store, where a PostgreSQL secret that does not open under this instance's
 * sealing key is a configuration error naming the variable (never the secret).
 */
export async function storeSecret(stores: Stores, name: string, generate?: () => string): Promise<string> {
  try {
    return await stores.secrets.get(name, generate);
  } catch (err) {
    if (stores.kind === 'postgres' && err instanceof Error && /does not open with the configured sealing key/.test(err.message)) {
      throw new ConfigError([`GATEHOUSE_SEALING_KEY: ${err.message}; give every instance the same GATEHOUSE_SEALING_KEY`]);
    }
    throw err;
  }
}

/** Whether the data dir's SQLite file is needed: it holds the Store by default, and the embedded stand-ins' own tables. */
export function needsDataDirDatabase(config: Config): boolean {
  return config.store.kind === 'sqlite' || config.auth.mode === 'embedded' || config.fga.mode === 'embedded';
}

/**
 * The Store for a command run beside the server (`gatehouse audit …`, `gatehouse docs add`): the same
 * database the server uses, and the data dir's SQLite file when there is one.
 */
export async function openCommandStores(config: Config, logger: Logger): Promise<{ readonly stores: Stores; readonly db: SqliteDatabase | undefined; close(): Promise<void> }> {
  const file = join(config.dataDir, 'gatehouse.db');
  const db = needsDataDirDatabase(config) ? openDatabase(file) : undefined;
  try {
    const stores = await openStores(config, { db, keyDir: keyDirFor(file), logger });
    return {
      stores,
      db,
      close: async () => {
        await stores.close();
        db?.close();
      },
    };
  } catch (err) {
    db?.close();
    throw err;
  }
}
