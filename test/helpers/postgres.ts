/**
 * A throwaway PostgreSQL cluster for a test file: Debian's binaries (found under
 * /usr/lib/postgresql/<version>/bin, newest first, or on PATH), a temporary data directory, a free port
 * on 127.0.0.1, the unix socket inside the temporary directory, fsync off. PostgreSQL refuses to run
 * as root, so under root it runs as the `postgres` system user. Each fixture gets a fresh database made
 * from a migrated template. `stop()` ends the server and removes the directory; an exit hook does the
 * same if the test process ends without it. Missing binaries fail the test (never skip).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresPool, type PgPool } from '../../src/store/postgres/database.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';

export const MISSING_POSTGRES =
  "PostgreSQL server binaries (initdb, postgres) were not found: install Debian's `postgresql` package (apt-get install -y postgresql) to run the PostgreSQL Store tests";

const SUPERUSER = 'gatehouse';

export interface TestPostgres {
  /** The temporary directory holding the data directory and the socket (removed by stop). */
  readonly dir: string;
  readonly port: number;
  /** postgres://… URL of a database. */
  url(database: string): string;
  /** A new, empty database (no schema), and its URL. */
  createEmptyDatabase(): Promise<string>;
  /** A new database holding the migrated schema (copied from a template), and its URL. */
  createMigratedDatabase(): Promise<string>;
  dropDatabase(url: string): Promise<void>;
  stop(): Promise<void>;
}

/** The directory holding initdb and postgres: the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function findPostgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(bindir, 'initdb')) && existsSync(join(bindir, 'postgres'))) return bindir;
  } catch {
    // no pg_config either
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs `cmd` as the postgres system user when we are root (PostgreSQL refuses root), else directly. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

let counter = 0;

export interface StartOptions {
  /** Where the server binaries are (default: findPostgresBinaries). */
  readonly findBinaries?: () => string | undefined;
}

export async function startTestPostgres(options: StartOptions = {}): Promise<TestPostgres> {
  const bin = (options.findBinaries ?? findPostgresBinaries)();
  if (!bin) throw new Error(MISSING_POSTGRES);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const data = join(dir, 'data');
  const ids = serverUserIds();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  let server: ChildProcess | undefined;
  let stopped = false;
  const cleanupSync = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupSync);
  try {
    const pwfile = join(dir, 'pw');
    writeFileSync(pwfile, 'unused\n');
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    execFileSync(initCmd, initArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const [cmd, args] = asServerUser(join(bin, 'postgres'), [
        '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
      ]);
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
      server = child;
      const ready = await waitReady(port, child);
      if (ready) return handle(port);
      if (attempt >= 2) throw new Error(`PostgreSQL did not start: ${log}`);
    }
  } catch (err) {
    cleanupSync();
    process.removeListener('exit', cleanupSync);
    throw err;
  }

  function handle(port: number): TestPostgres {
    const url = (database: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
    const admin = new pg.Pool({ connectionString: url('postgres'), max: 2 });
    admin.on('error', () => undefined); // an idle connection ended by the server's shutdown
    let template: Promise<string> | undefined;
    const create = async (from: string) => {
      const name = `t${process.pid}_${++counter}`;
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${from}`);
      return url(name);
    };
    return {
      dir,
      port,
      url,
      createEmptyDatabase: () => create('template0'),
      async createMigratedDatabase() {
        template ??= (async () => {
          await admin.query('CREATE DATABASE gatehouse_template TEMPLATE template0');
          const pool: PgPool = createPostgresPool(url('gatehouse_template'), { max: 1 });
          try {
            await migratePostgres(pool);
          } finally {
            await pool.end();
          }
          return 'gatehouse_template';
        })();
        return create(await template);
      },
      async dropDatabase(u) {
        const name = new URL(u).pathname.slice(1);
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await admin.end().catch(() => undefined);
        const child = server!;
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGINT'); // fast shutdown
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
        process.removeListener('exit', cleanupSync);
      },
    };
  }
}

/** Polls until the server accepts a connection; false when it exited first (e.g. the port was taken). */
async function waitReady(port: number, child: ChildProcess): Promise<boolean> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const client = new pg.Client({ connectionString: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres` });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
