/**
 * A second instance on the same host: instance A is the default embedded start (in this process);
 * instance B, another process, trusts A's embedded authorization server (GATEHOUSE_ISSUER_URL) and A's
 * FGA API (FGA_API_URL), starts no stand-in, and shares A's data directory (one SQLite file in WAL mode
 * written by both processes: approvals, tickets, audit, documents; and the key files, the requestState
 * key among them).
 */
import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tokenCommand } from '../../src/cli/token.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connectHeadlessly } from '../../src/embedded/authserver/headless-connect.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import type { SqliteDatabase } from '../../src/store/sqlite/database.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { startChildGatehouse, type ChildGatehouse } from '../helpers/child-gatehouse.js';
import { trustingEnv } from '../helpers/instances.js';
import { connectWithToken, jsonRpcOf, modernHeaders, modernRequest, rpc, tokenFor } from '../helpers/mcp-client.js';
import { week } from '../helpers/vault.js';

type InputRequired = { resultType: 'input_required'; requestState: string; inputRequests?: Record<string, { params: { mode: string; url: string } }> };

/** The stand-ins' own tables: the authorization server's models and the FGA engine's stores, models, tuples and changes. */
const STAND_IN_TABLES = ['oidc_models', 'fga_stores', 'fga_models', 'fga_tuples', 'fga_changes', 'fga_assertions'];

function snapshot(db: SqliteDatabase, tables: readonly string[]): Record<string, string> {
  return Object.fromEntries(tables.map((t) => [t, createHash('sha256').update(JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all())).digest('hex')]));
}

/** Instance B's variables: A's issuer and FGA, A's clients for the Token Vault and CIBA, A's demo Google API. */
const secondInstanceEnv = trustingEnv;

describe('a second instance trusts the first one\'s embedded authorization server and FGA, on a shared data dir', () => {
  let a: TestGatehouse;
  let b: ChildGatehouse;
  let bMcpUrl: string;
  let bIssuer: string;
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];
  let standInsBeforeB: Record<string, string>;
  let standInsAfterB: Record<string, string>;

  beforeAll(async () => {
    a = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '0' });
    standInsBeforeB = snapshot(a.db, STAND_IN_TABLES);
    b = startChildGatehouse('test/fixtures/second-gatehouse.ts', { ...secondInstanceEnv(a), GATEHOUSE_PORT: '0', GATEHOUSE_DATA_DIR: a.dataDir, GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_APPROVAL_WAIT_SECONDS: '0' });
    ({ mcpUrl: bMcpUrl, issuer: bIssuer } = await b.ready);
    standInsAfterB = snapshot(a.db, STAND_IN_TABLES);
    for (const user of ['alice', 'bob', 'carol']) tokens[user] = await tokenFor(a, user, 'identity:read docs:read calendar:read');
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    if (b && b.proc.exitCode === null) {
      b.proc.kill('SIGKILL');
      await b.exited;
    }
    await a?.stop();
  });

  it('B names A\'s issuer, serves its own port, and leaves the stand-ins\' tables alone', () => {
    expect(bIssuer).toBe(a.issuer);
    expect(bMcpUrl).not.toBe(a.mcpUrl);
    expect(standInsAfterB).toEqual(standInsBeforeB);
    // Two processes on one database file: WAL (readers do not block the writer) and a busy timeout (writers wait their turn).
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(a.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('a token from A\'s authorization server works on B (whoami over the v1 MCP client)', async () => {
    const client = await connectWithToken(bMcpUrl, tokens.alice);
    clients.push(client);
    const r = await client.callTool({ name: 'whoami', arguments: {} });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ kind: 'user', sub: 'alice' });
  });

  it('`gatehouse token` with B\'s variables signs in at A\'s issuer for the shared audience, and the token works on B', async () => {
    for (const [k, v] of Object.entries({ ...secondInstanceEnv(a), GATEHOUSE_PORT: String(new URL(bMcpUrl).port), GATEHOUSE_DATA_DIR: a.dataDir })) vi.stubEnv(k, v);
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    try {
      expect(await tokenCommand(['--user', 'bob'])).toBe(0);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const client = await connectWithToken(bMcpUrl, out.trim());
    clients.push(client);
    expect((await client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toMatchObject({ kind: 'user', sub: 'bob' });
  });

  it('an FGA-gated search on B answers like on A: bob sees q3-budget, alice does not', async () => {
    const ids = async (mcpUrl: string, user: string) => {
      const client = await connectWithToken(mcpUrl, tokens[user]);
      clients.push(client);
      const r = await client.callTool({ name: 'search_documents', arguments: { query: 'budget', k: 20 } });
      expect(r.isError).toBeFalsy();
      return ((r.structuredContent as { results: { id: string }[] }).results).map((x) => x.id).sort();
    };
    const [aliceOnA, aliceOnB, bobOnA, bobOnB] = await Promise.all([ids(a.mcpUrl, 'alice'), ids(bMcpUrl, 'alice'), ids(a.mcpUrl, 'bob'), ids(bMcpUrl, 'bob')]);
    expect(bobOnB).toContain('q3-budget');
    expect(aliceOnB).not.toContain('q3-budget');
    expect(aliceOnB).toContain('engineering-budget-2026');
    expect(aliceOnB).toEqual(aliceOnA);
    expect(bobOnB).toEqual(bobOnA);
    // B asked A's FGA API over HTTP; nothing wrote to the FGA engine's tables.
    const fgaTables = STAND_IN_TABLES.filter((t) => t.startsWith('fga_'));
    expect(snapshot(a.db, fgaTables)).toEqual(Object.fromEntries(fgaTables.map((t) => [t, standInsBeforeB[t]])));
  });

  it('MCP 2026-07-28: a call that needs a connected account, started on A (input_required), resumes on B with the same requestState after connecting', async () => {
    const call = (mcpUrl: string, extra: Record<string, unknown> = {}) =>
      rpc(mcpUrl, modernRequest('tools/call', { name: 'list_calendar_events', arguments: week(), ...extra }, { capabilities: { elicitation: { url: {} } } }), {
        authorization: `Bearer ${tokens.carol}`,
        ...modernHeaders('tools/call', 'list_calendar_events'),
      });
    const first = (await jsonRpcOf(await call(a.mcpUrl))).result as unknown as InputRequired;
    expect(first.resultType).toBe('input_required');
    const url = first.inputRequests!.connect!.params.url;
    expect(url).toMatch(new RegExp(`^${new URL(a.mcpUrl).origin}/connect/google-oauth2\\?ticket=`));
    const carol = findDemoUser('carol')!;
    expect((await connectHeadlessly(new URL(url), { user: carol.id, password: carol.password, email: carol.email })).outcome).toBe('connected:google-oauth2');

    const resumed = await jsonRpcOf(await call(bMcpUrl, { requestState: first.requestState }));
    expect(resumed.error).toBeUndefined();
    expect(resumed.result).toMatchObject({ resultType: 'complete' });
    expect(resumed.result).not.toHaveProperty('isError');
    expect(resumed.result!.structuredContent).toMatchObject({ events: expect.any(Array) });
  });

  it('the audit chain both wrote to verifies, and holds entries from both', async () => {
    const calls = (await a.audit.recent(1000)).filter((e) => e.event === 'tool_call');
    expect(calls.some((e) => e.data.tool === 'whoami')).toBe(true);
    expect(calls.filter((e) => e.data.tool === 'list_calendar_events').map((e) => e.data.result).sort()).toEqual(['error', 'ok']);
    expect(await a.audit.verify({ full: true })).toMatchObject({ ok: true });
    expect(b.stderr()).toBe('');
  });
});

describe('GATEHOUSE_ISSUER_URL is checked before anything starts', () => {
  const refused = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.issues;
      throw e;
    }
    return [];
  };

  it('plain http to a host that is not loopback is refused with the variable named', () => {
    expect(refused({ GATEHOUSE_ISSUER_URL: 'http://gatehouse-a.internal:8788' })).toEqual(['GATEHOUSE_ISSUER_URL: must use https (plain http only to a loopback host: 127.0.0.1, localhost, ::1)']);
  });

  it('together with AUTH0_DOMAIN it is refused (one issuer or the other)', () => {
    expect(refused({ GATEHOUSE_ISSUER_URL: 'https://id.example.com', AUTH0_DOMAIN: 'acme.us.auth0.com' })).toEqual([
      'GATEHOUSE_ISSUER_URL / AUTH0_DOMAIN: set one or the other (AUTH0_DOMAIN is the issuer https://<AUTH0_DOMAIN>/)',
    ]);
  });
});
