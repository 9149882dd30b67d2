import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresPool, type PgPool } from '../../src/store/postgres/database.js';
import { openPostgresStores } from '../../src/store/postgres/index.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { postgresMigrations } from '../../src/store/postgres/migrations/index.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

// Migrations of the PostgreSQL Store: several instances starting at once on an empty database build
// the schema exactly once (an advisory lock puts them in line), and a failing migration leaves nothing
// half-applied and the lock free.

let server: TestPostgres;
const pools: PgPool[] = [];
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await server?.stop();
});
const pool = (url: string) => {
  const p = createPostgresPool(url, { max: 2 });
  pools.push(p);
  return p;
};

describe('migratePostgres', () => {
  it('three instances migrating one empty database at once: the schema is built once, without error', async () => {
    const url = await server.createEmptyDatabase();
    const instances = [pool(url), pool(url), pool(url)];
    const ran = await Promise.all(instances.map((p) => migratePostgres(p)));
    const ids = postgresMigrations.map((m) => m.id);
    expect(ran.filter((r) => r.length > 0)).toEqual([ids]);
    expect(ran.filter((r) => r.length === 0)).toHaveLength(2);
    const recorded = (await instances[0]!.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => r.id);
    expect(recorded).toEqual(ids);
    const tables = (await instances[1]!.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);
    expect(tables).toEqual(
      ['approvals', 'audit_anchor', 'audit_checkpoints', 'audit_head', 'audit_log', 'budget_reservations', 'demo_orders', 'document_chunks', 'documents', 'oidc_models', 'rate_limit_hits', 'schema_migrations', 'secrets', 'vault_connect_flows', 'vault_connect_tickets', 'vault_connections'],
    );
    expect(await migratePostgres(instances[2]!)).toEqual([]);
  });

  it('a failing migration is rolled back whole, the ones before it stay, and the lock is released', async () => {
    const url = await server.createEmptyDatabase();
    const p = pool(url);
    const good = { id: '001-good', up: 'CREATE TABLE good_one (id INT PRIMARY KEY)' };
    const bad = { id: '002-bad', up: 'CREATE TABLE half_done (id INT); SELECT no_such_function()' };
    await expect(migratePostgres(p, [good, bad])).rejects.toMatchObject({ code: '42883' });
    const recorded = (await p.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => r.id);
    expect(recorded).toEqual(['001-good']);
    expect((await p.query("SELECT to_regclass('half_done') AS t")).rows[0]).toEqual({ t: null });
    // another instance is not blocked by a lock left behind
    const fixed = { id: '002-bad', up: 'CREATE TABLE half_done (id INT)' };
    expect(await migratePostgres(pool(url), [good, fixed])).toEqual(['002-bad']);
  });
});

describe('openPostgresStores', () => {
  it('migrates an empty database and builds every port on one pool; a second instance shares the state', async () => {
    const url = await server.createEmptyDatabase();
    const secretSealingKey = randomBytes(32);
    const [a, b] = await Promise.all([openPostgresStores(url, { secretSealingKey, max: 2 }), openPostgresStores(url, { secretSealingKey, max: 2 })]);
    try {
      expect(await a.secrets.get('shared.key')).toBe(await b.secrets.get('shared.key'));
      await a.connectedAccounts.record('alice', 'google-oauth2', 'acc-1', ['openid'], '2026-12-01T00:00:00.000Z');
      expect(await b.connectedAccounts.accountId('alice', 'google-oauth2')).toBe('acc-1');
      expect(await b.documents.put({ id: 'memo', folder: 'f', title: 'Memo', body: 'quarterly forecast', chunks: ['quarterly forecast'] })).toBe('created');
      expect((await a.chunks.chunks({ match: '', terms: ['forecast'] }, 10, 0)).map((c) => c.documentId)).toEqual(['memo']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("refuses a database that does not exist with the driver's error (3D000)", async () => {
    const url = server.url('no_such_database');
    await expect(openPostgresStores(url, { secretSealingKey: randomBytes(32) })).rejects.toMatchObject({ code: '3D000' });
  });
});
