import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startGatehouse, type Gatehouse, type GatehouseOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

export interface TestGatehouse extends Gatehouse {
  readonly dataDir: string;
  /** The data dir's SQLite file: the whole Store, or (on PostgreSQL) the embedded stand-ins' tables only. */
  readonly db: NonNullable<Gatehouse['db']>;
  /** The PostgreSQL database holding the Store, when the test runs on PostgreSQL. */
  readonly databaseUrl?: string;
  /** Stop and remove the data directory. */
  stop(): Promise<void>;
}

/** The test project runs on PostgreSQL (see vitest.config.ts): each Gatehouse gets a fresh database. */
export const ON_POSTGRES = process.env.TEST_STORE === 'postgres';

let databases = 0;

/** A new, empty database on the run's PostgreSQL cluster (the server migrates it at start), and its URL. */
export async function createTestDatabase(): Promise<string> {
  // Loaded here: this helper is also used outside vitest (bench/device-screenshot.ts).
  const { inject } = await import('vitest');
  const admin = new URL(inject('postgresAdminUrl'));
  const name = `gatehouse_${process.pid}_${++databases}`;
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  admin.pathname = `/${name}`;
  return admin.href;
}

async function dropTestDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * The one bootstrap for whole-system tests: a real Gatehouse (and its embedded stand-ins) on
 * 127.0.0.1 with random ports and a fresh data directory; in the `postgres` test project, its Store
 * on a fresh PostgreSQL database (and the start fails if it is not).
 */
export async function startTestGatehouse(env: Record<string, string> = {}, opts: GatehouseOptions & { dataDir?: string } = {}): Promise<TestGatehouse> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const databaseUrl = env.GATEHOUSE_DATABASE_URL ?? (ON_POSTGRES ? await createTestDatabase() : undefined);
  const config = loadConfig({
    GATEHOUSE_PORT: '0',
    GATEHOUSE_AUTH_PORT: '0',
    GATEHOUSE_FGA_PORT: '0',
    GATEHOUSE_PROVIDERS_PORT: '0',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_LOG_LEVEL: 'silent',
    ...env,
    ...(databaseUrl ? { GATEHOUSE_DATABASE_URL: databaseUrl } : {}),
  });
  const gh = await startGatehouse(config, { logger: silentLogger, ...opts });
  if (!gh.db || gh.stores.kind !== (databaseUrl ? 'postgres' : 'sqlite')) {
    await gh.close();
    throw new Error(`the test Gatehouse runs on ${gh.stores.kind}, not on the store the test asked for`);
  }
  const ownDatabase = databaseUrl !== undefined && env.GATEHOUSE_DATABASE_URL === undefined;
  return Object.assign(Object.create(null), gh, {
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    close: gh.close,
    async stop() {
      await gh.close();
      if (ownDatabase) await dropTestDatabase(databaseUrl);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  }) as TestGatehouse;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
}
