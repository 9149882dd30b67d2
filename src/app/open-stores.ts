/**
 * Opens the Store the configuration names: SQLite in the data dir (the default), or PostgreSQL at
 * GATEHOUSE_DATABASE_URL (migrated on start under an advisory lock, so instances may start together).
 * With PostgreSQL the named secrets live in the database, sealed with GATEHOUSE_SEALING_KEY or the key
 * generated once into `<data>/keys/store-sealing.key`; every instance must hold the same key. The
 * server and the commands run beside it (`gatehouse audit …`, `gatehouse docs add`) open it here alike.
 */
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { SecretUnsealableError } from '../store/ports/secret-store.js';
import { keyDirFor, openDatabase, type SqliteDatabase } from '../store/sqlite/database.js';
import { loadNamedSecret } from '../store/sqlite/secrets.js';
import { sqliteStores } from '../store/sqlite/stores.js';
import type { Stores } from '../store/stores.js';

export interface OpenedStores {
  readonly stores: Stores;
  /** The data dir's SQLite file: the Store by default, and the embedded stand-ins' own tables in any case; absent on PostgreSQL with no stand-in. */
  readonly db: SqliteDatabase | undefined;
  /** Where the key files live (`<data>/keys`). */
  readonly keyDir: string;
  /** Ends the Store's connections, then closes the SQLite file. */
  close(): Promise<void>;
}

export async function openStores(config: Config, logger: Logger): Promise<OpenedStores> {
  const file = join(config.dataDir, 'gatehouse.db');
  const keyDir = keyDirFor(file);
  const needsFile = config.store.kind === 'sqlite' || config.auth.mode === 'embedded' || config.fga.mode === 'embedded';
  const db = needsFile ? openDatabase(file) : undefined;
  try {
    const stores = db && config.store.kind === 'sqlite' ? sqliteStores(db, keyDir) : await openPostgres(config, keyDir, logger);
    return {
      stores,
      db,
      keyDir,
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

async function openPostgres(config: Config, keyDir: string, logger: Logger): Promise<Stores> {
  if (config.store.kind !== 'postgres') throw new TypeError('the SQLite Store needs the data dir database');
  const sealingKey = Buffer.from(config.store.sealingKey ?? loadNamedSecret(keyDir, 'store-sealing'), 'base64url');
  // pg is loaded only when PostgreSQL is configured.
  const { openPostgresStores } = await import('../store/postgres/index.js');
  try {
    return await openPostgresStores(config.store.url, {
      max: config.store.poolSize,
      secretSealingKey: sealingKey,
      onIdleError: (err) => logger.warn({ err: { message: err.message } }, 'an idle PostgreSQL connection failed (it is replaced on demand)'),
    });
  } catch (err) {
    // pg's messages name the host and user, never the password; the URL itself is not repeated.
    throw new Error(`PostgreSQL (GATEHOUSE_DATABASE_URL) could not be opened: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * A named secret from the Store, where a secret that does not open under this instance's sealing key
 * is a configuration error naming the variable (never the secret).
 */
export async function storeSecret(stores: Stores, name: string, generate?: () => string): Promise<string> {
  try {
    return await stores.secrets.get(name, generate);
  } catch (err) {
    if (err instanceof SecretUnsealableError) throw new ConfigError([`GATEHOUSE_SEALING_KEY: ${err.message}; give every instance the same GATEHOUSE_SEALING_KEY`]);
    throw err;
  }
}
