/**
 * GATEHOUSE_DATABASE_URL: the whole Store on PostgreSQL. What is where (the database holds Gatehouse's
 * state and its sealed secrets; the data dir only key files and the embedded stand-ins' own tables),
 * what a start refuses (another instance's sealing key, a database it cannot reach — never repeating
 * the URL's password), and what happens when the database goes away under a running server (readiness
 * names the store, calls fail closed with nothing unaudited, and both come back with the database).
 */
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, jsonRpcOf, rpc, tokenFor } from '../helpers/mcp-client.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const KEY_A = 'A'.repeat(42) + 'g';
const KEY_B = 'B'.repeat(42) + 'g';

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const origin = (gh: TestGatehouse) => new URL(gh.mcpUrl).origin;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Every answer to a whoami call, as JSON-RPC. */
async function whoami(gh: TestGatehouse, token: string) {
  return jsonRpcOf(await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${token}` }));
}

describe('GATEHOUSE_DATABASE_URL: the Store on PostgreSQL', () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  it("keeps Gatehouse's state and its sealed secrets in the database; the data dir holds key files and the stand-ins' tables only", async () => {
    const url = await postgres.createEmptyDatabase();
    const gh = await startTestGatehouse({ GATEHOUSE_DATABASE_URL: url });
    try {
      expect(gh.stores.kind).toBe('postgres');
      const token = await tokenFor(gh, 'alice');
      expect((await whoami(gh, token)).result?.isError).toBeFalsy();

      const audited = await query<{ data: string }>(url, "SELECT data FROM audit_log WHERE event = 'tool_call'");
      expect(audited.map((r) => JSON.parse(r.data) as { tool: string; result: string })).toMatchObject([{ tool: 'whoami', result: 'ok' }]);
      expect(gh.db.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 0 });
      // The demo corpus is seeded into the database the server uses.
      expect(Number((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM documents'))[0]!.n)).toBeGreaterThan(0);
      expect(gh.db.prepare('SELECT count(*) AS n FROM documents').get()).toEqual({ n: 0 });

      // The vault and requestState keys are generated once into the database, sealed (never in clear)…
      const secrets = await query<{ name: string; sealed: string }>(url, 'SELECT name, sealed FROM secrets ORDER BY name');
      expect(secrets.map((s) => s.name)).toEqual(['request-state', 'vault.encryption-key']);
      for (const s of secrets) expect(s.sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      // …under the sealing key generated into the data dir (0600), the only copy outside the database.
      const keys = join(gh.dataDir, 'keys');
      expect(statSync(join(keys, 'store-sealing.key')).mode & 0o777).toBe(0o600);
      expect(existsSync(join(keys, 'request-state.key'))).toBe(false);
      expect(existsSync(join(keys, 'vault.encryption-key.key'))).toBe(false);
    } finally {
      await gh.stop();
    }
  });

  it('an instance holding another sealing key does not start: GATEHOUSE_SEALING_KEY is named, the secrets are left as they were', async () => {
    const url = await postgres.createEmptyDatabase();
    const first = await startTestGatehouse({ GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SEALING_KEY: KEY_A });
    await first.stop();
    const before = await query(url, 'SELECT name, sealed FROM secrets ORDER BY name');

    const err = await startTestGatehouse({ GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SEALING_KEY: KEY_B }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      'GATEHOUSE_SEALING_KEY: secret "vault.encryption-key" in the database does not open with the configured sealing key (another key, or the row was altered); give every instance the same GATEHOUSE_SEALING_KEY',
    ]);
    expect(await query(url, 'SELECT name, sealed FROM secrets ORDER BY name')).toEqual(before);

    // The same key opens them (a second instance, or a restart).
    const again = await startTestGatehouse({ GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SEALING_KEY: KEY_A });
    await again.stop();
  });

  it('a database it cannot reach stops the start, naming the variable and never the password', async () => {
    const dataDir = tempDir();
    const url = `postgres://gatehouse:s3cret-pw@127.0.0.1:${await freePort()}/gatehouse`;
    const err = await startTestGatehouse({ GATEHOUSE_DATABASE_URL: url }, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^PostgreSQL \(GATEHOUSE_DATABASE_URL\) could not be opened: .*ECONNREFUSED/);
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  it('the database goes away: /readyz names the store, a call that cannot be audited answers audit_unavailable; both recover with it', async () => {
    const url = await postgres.createEmptyDatabase();
    const gh = await startTestGatehouse({ GATEHOUSE_DATABASE_URL: url });
    const name = new URL(url).pathname.slice(1);
    const admin = postgres.url('postgres');
    try {
      const token = await tokenFor(gh, 'alice');
      expect((await whoami(gh, token)).result?.isError).toBeFalsy();

      // No new connection to the database, and every open one ended.
      await query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await query(admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await new Promise((r) => setTimeout(r, 1100)); // past the one-second readiness cache

      const ready = await fetch(`${origin(gh)}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready', failing: ['store'], checks: { store: { status: 'failing', reason: 'unavailable' } } });

      // whoami runs, but its entry cannot be written: the answer is withheld, in fixed words.
      const cut = await whoami(gh, token);
      expect(cut.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'audit_unavailable' } } });
      expect(JSON.stringify(cut)).not.toContain(name);
      expect(JSON.stringify(cut)).not.toContain('alice');

      await query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await fetch(`${origin(gh)}/readyz`)).status).toBe(200);
      expect((await whoami(gh, token)).result?.isError).toBeFalsy();
      // Every call that answered ok has its entry: two, and the chain is whole.
      const audited = await query<{ data: string }>(url, "SELECT data FROM audit_log WHERE event = 'tool_call' ORDER BY seq");
      expect(audited.map((r) => (JSON.parse(r.data) as { result: string }).result)).toEqual(['ok', 'ok']);
      expect(await gh.audit.verify({ full: true, record: false })).toMatchObject({ ok: true });
    } finally {
      await query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await gh.stop();
    }
  });
});
