/**
 * Several Gatehouse instances behind one set of shared services, for load and failure tests and the
 * multi-instance benchmark. The shared services are the default embedded start in this process (the
 * authorization server playing Auth0, the FGA API, the demo Google APIs): they outlive any instance.
 * The instances are child processes that trust them (GATEHOUSE_ISSUER_URL, FGA_API_URL, …) and share
 * their state through a `SharedStore`, the one parameter that says where that state lives:
 *
 * - `sharedSqliteStore`: one SQLite data directory (WAL, busy timeout) written by every process, the
 *   key files in it shared with it;
 * - `sharedPostgresStore`: one PostgreSQL database (GATEHOUSE_DATABASE_URL), each instance with its own
 *   data directory, the sealing key of the secrets kept in the database and the audit signing key
 *   file given to all.
 *
 * Each instance exports trace context to a loopback sink, so a call's W3C `traceparent` becomes the
 * trace id of its audit `tool_call` entry (a call sent with the not-sampled flag records no span).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { tempDir, type TestGatehouse } from './bootstrap.js';
import { startChildGatehouse, type ChildGatehouse } from './child-gatehouse.js';
import { fgaApiKey } from './fga.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';

/** An audit entry's data as stored (the canonical JSON that was hashed), parsed. */
export type AuditData = Record<string, unknown>;

/** Where the instances keep their shared state, and how a test reads it back. */
export interface SharedStore {
  readonly kind: SharedStoreKind;
  /** The variables that put instance `i` on this store (data directory, database, shared secrets). */
  instanceEnv(i: number): Record<string, string>;
  /** The variables `gatehouse audit verify` needs to read this store's chain. */
  readonly cliEnv: Record<string, string>;
  /** Every audit entry of an event, in chain order, its data parsed. */
  auditEntries(event: string): Promise<AuditData[]>;
  /** The approval ids of the demo merchant's orders, in insertion order. */
  orders(): Promise<(string | null)[]>;
  close(): Promise<void>;
}

/** The shared SQLite data directory of the services' own Gatehouse: every instance opens the same file. */
export function sharedSqliteStore(services: TestGatehouse): SharedStore {
  const rows = <T>(sql: string, ...params: unknown[]) => services.db.prepare(sql).all(...params) as T[];
  return {
    kind: 'sqlite',
    instanceEnv: () => ({ GATEHOUSE_DATA_DIR: services.dataDir }),
    cliEnv: { GATEHOUSE_DATA_DIR: services.dataDir },
    auditEntries: async (event) => rows<{ data: string }>('SELECT data FROM audit_log WHERE event = ? ORDER BY seq', event).map((r) => JSON.parse(r.data) as AuditData),
    orders: async () => rows<{ approval_id: string | null }>('SELECT approval_id FROM demo_orders ORDER BY rowid').map((r) => r.approval_id),
    close: async () => undefined,
  };
}

/**
 * One migrated PostgreSQL database for every instance (GATEHOUSE_DATABASE_URL), each instance with a
 * data directory of its own (key files only), and what they must share given explicitly: the
 * requestState key, the Token Vault's encryption key and one audit checkpoint signing key file.
 */
export async function sharedPostgresStore(postgres: TestPostgres): Promise<SharedStore> {
  const url = await postgres.createMigratedDatabase();
  const secrets = tempDir();
  const signingKeyFile = join(secrets, 'audit-checkpoint.key');
  writeFileSync(signingKeyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const shared = {
    GATEHOUSE_DATABASE_URL: url,
    // The one secret every instance is given: the requestState and vault keys are generated once into
    // the database, sealed under it, and so agreed on by every instance.
    GATEHOUSE_SEALING_KEY: randomBytes(32).toString('base64url'),
    GATEHOUSE_AUDIT_SIGNING_KEY_FILE: signingKeyFile,
  };
  const dirs = new Map<number, string>();
  const dirOf = (i: number) => dirs.get(i) ?? (dirs.set(i, tempDir()), dirs.get(i)!);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    instanceEnv: (i) => ({ ...shared, GATEHOUSE_DATA_DIR: dirOf(i) }),
    cliEnv: { ...shared, GATEHOUSE_DATA_DIR: dirOf(-1) },
    auditEntries: async (event) =>
      (await pool.query<{ data: string }>('SELECT data FROM audit_log WHERE event = $1 ORDER BY seq', [event])).rows.map((r) => JSON.parse(r.data) as AuditData),
    orders: async () => (await pool.query<{ approval_id: string | null }>('SELECT approval_id FROM demo_orders ORDER BY created_at, id')).rows.map((r) => r.approval_id),
    async close() {
      await pool.end();
      await postgres.dropDatabase(url);
      for (const d of [secrets, ...dirs.values()]) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** How the instances share their state: one SQLite data directory, or one PostgreSQL database. */
export type SharedStoreKind = 'sqlite' | 'postgres';

/**
 * Opens the shared store of `kind` next to the services: for PostgreSQL a throwaway cluster of its own,
 * stopped by the store's close.
 */
export async function openSharedStore(kind: SharedStoreKind, services: TestGatehouse): Promise<SharedStore> {
  if (kind === 'sqlite') return sharedSqliteStore(services);
  const postgres = await startTestPostgres();
  try {
    const store = await sharedPostgresStore(postgres);
    return {
      ...store,
      async close() {
        await store.close();
        await postgres.stop();
      },
    };
  } catch (e) {
    await postgres.stop();
    throw e;
  }
}

/** The variables of an instance that trusts the services' authorization server, FGA API and demo Google APIs. */
export function trustingEnv(services: TestGatehouse): Record<string, string> {
  return {
    GATEHOUSE_ISSUER_URL: services.issuer,
    GATEHOUSE_AUDIENCE: services.mcpUrl,
    FGA_API_URL: services.fga!.url,
    FGA_STORE_ID: services.fga!.storeId,
    FGA_API_TOKEN: fgaApiKey(services.dataDir),
    AUTH0_CLIENT_ID: services.authServer!.serverClient.clientId,
    AUTH0_CLIENT_SECRET: services.authServer!.serverClient.clientSecret,
    AUTH0_CUSTOM_API_CLIENT_ID: services.authServer!.customApiClient.clientId,
    AUTH0_CUSTOM_API_CLIENT_SECRET: services.authServer!.customApiClient.clientSecret,
    GATEHOUSE_GOOGLE_API_URL: services.providers!.url,
  };
}

/** A loopback OTLP/HTTP endpoint that accepts and drops every export (the instances' tracing is on for the trace id). */
export async function startTraceSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export interface Instance {
  readonly child: ChildGatehouse;
  readonly mcpUrl: string;
}

/** Starts `count` instances on `store` (in parallel) and waits until each serves. */
export async function startInstances(
  services: TestGatehouse,
  store: SharedStore,
  count: number,
  opts: { traceSinkUrl: string; env?: Record<string, string> },
): Promise<Instance[]> {
  const children = Array.from({ length: count }, (_, i) =>
    startChildGatehouse('test/fixtures/second-gatehouse.ts', {
      ...trustingEnv(services),
      ...store.instanceEnv(i),
      GATEHOUSE_PORT: '0',
      GATEHOUSE_LOG_LEVEL: 'silent',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: opts.traceSinkUrl,
      OTEL_SERVICE_NAME: `gatehouse-${i + 1}`,
      ...opts.env,
    }),
  );
  try {
    return await Promise.all(children.map(async (child) => ({ child, mcpUrl: (await child.ready).mcpUrl })));
  } catch (e) {
    await stopInstances(children.map((child) => ({ child, mcpUrl: '' })));
    throw e;
  }
}

/** Kills every instance still running (SIGKILL) and waits for each to exit. */
export async function stopInstances(instances: readonly Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async ({ child }) => {
      if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
      await child.exited;
    }),
  );
}

/** `gatehouse audit verify`, the real CLI, on the store's chain. */
export async function auditVerify(store: SharedStore): Promise<{ code: number; stdout: string }> {
  return promisify(execFile)(process.execPath, ['bin/gatehouse-dev.mjs', 'audit', 'verify'], { env: { PATH: process.env.PATH ?? '', ...store.cliEnv } }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

/** A process's resident memory (MiB) and open file descriptors, from /proc (Linux). */
export function processUsage(pid: number): { rssMiB: number; fds: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  const fds = readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      readlinkSync(`/proc/${pid}/fd/${fd}`);
      return true;
    } catch {
      return false; // closed while listing
    }
  }).length;
  return { rssMiB: Math.round(Number(rss) / 1024), fds };
}

/** A W3C traceparent with a fresh random trace id and the not-sampled flag: the id reaches the audit entry, no span is exported. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00` };
}
