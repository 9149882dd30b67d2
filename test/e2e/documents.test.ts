import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/rag/ingest.js';
import { createTestDatabase, ON_POSTGRES, startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

type Hit = { id: string; title: string; snippet: string; score: number };
type Content = { type: string; uri?: string; text?: string }[];
const ids = (r: Awaited<ReturnType<Client['callTool']>>) => ((r.structuredContent as { results: Hit[] }).results ?? []).map((h) => h.id);

/** The FGA clock the server sees: frozen, moved by the tests (carol's window ends 2030-01-01). */
const clock = { now: new Date('2026-06-01T12:00:00Z') };

describe('documents over MCP: search_documents, read_document and doc:// resources, per user', () => {
  let gh: TestGatehouse;
  const clients: Record<string, Client> = {};
  beforeAll(async () => {
    gh = await startTestGatehouse({}, { now: () => clock.now });
    for (const user of ['alice', 'bob', 'carol']) clients[user] = await connectWithToken(gh.mcpUrl, await tokenFor(gh, user));
  });
  afterAll(async () => {
    for (const c of Object.values(clients)) await c.close();
    await gh?.stop();
  });

  it('alice, bob and carol get different results for the same query, each within their access', async () => {
    const search = (u: string) => clients[u]!.callTool({ name: 'search_documents', arguments: { query: 'budget', k: 20 } });
    const [a, b, c] = await Promise.all([search('alice'), search('bob'), search('carol')]);
    expect(a.isError).toBeFalsy();
    expect(ids(a)).toContain('engineering-budget-2026');
    expect(ids(a)).toContain('falcon-budget');
    expect(ids(a)).not.toContain('q3-budget');
    expect(ids(b)).toContain('q3-budget');
    expect(ids(b)).not.toContain('engineering-budget-2026');
    expect(ids(b)).not.toContain('falcon-budget');
    expect(ids(c)).toContain('falcon-budget');
    expect(ids(c)).toContain('all-hands-2026-q2');
    expect(ids(c)).not.toContain('engineering-budget-2026');
    expect(ids(c)).not.toContain('q3-budget');
    expect(new Set([ids(a).join(), ids(b).join(), ids(c).join()]).size).toBe(3);
    // results as structured content and as resource links to doc://{id}
    const links = (a.content as Content).filter((x) => x.type === 'resource_link');
    expect(links.map((l) => l.uri)).toEqual(ids(a).map((id) => `doc://${id}`));
    // the plan and the check count go to the audit log, not to the caller
    expect(JSON.stringify(a)).not.toMatch(/strategy|pre-filter|post-filter|fgaChecks/);
    const entry = (await gh.audit.recent(20)).find((e) => e.event === 'tool_call' && (e.data as { sub?: string; tool?: string }).sub === 'alice' && (e.data as { tool?: string }).tool === 'search_documents');
    const retrieval = (entry?.data as { run?: { retrieval?: { strategy?: string; fgaChecks?: number } } }).run?.retrieval;
    expect(['pre-filter', 'post-filter']).toContain(retrieval?.strategy);
    expect(retrieval?.fgaChecks).toEqual(expect.any(Number));
  });

  it("carol's access ends when her window closes (clock injected, no sleeping)", async () => {
    const before = await clients.carol!.callTool({ name: 'read_document', arguments: { id: 'falcon-design' } });
    expect(before.isError).toBeFalsy();
    expect((before.content as Content)[0]).toMatchObject({ type: 'text', text: expect.stringContaining('inspection drone') });
    clock.now = new Date('2030-01-01T00:00:01Z');
    try {
      const search = await clients.carol!.callTool({ name: 'search_documents', arguments: { query: 'falcon budget handbook', k: 10 } });
      expect(ids(search)).toEqual([]);
      const read = await clients.carol!.callTool({ name: 'read_document', arguments: { id: 'falcon-design' } });
      expect(read.isError).toBe(true);
      await expect(clients.carol!.readResource({ uri: 'doc://employee-handbook' })).rejects.toThrow(/Resource not found/);
      expect((await clients.carol!.listResources()).resources).toEqual([]);
      // employees are unaffected
      expect(ids(await clients.alice!.callTool({ name: 'search_documents', arguments: { query: 'falcon', k: 10 } }))).toContain('falcon-design');
    } finally {
      clock.now = new Date('2026-06-01T12:00:00Z');
    }
  });

  it('read_document: a forbidden and an unknown document are indistinguishable', async () => {
    const ok = await clients.bob!.callTool({ name: 'read_document', arguments: { id: 'q3-budget' } });
    expect(ok.isError).toBeFalsy();
    expect(ok.structuredContent).toMatchObject({ id: 'q3-budget', title: 'Q3 2026 Budget' });
    const forbidden = await clients.alice!.callTool({ name: 'read_document', arguments: { id: 'salary-bands' } });
    const unknown = await clients.alice!.callTool({ name: 'read_document', arguments: { id: 'salary-bandz' } });
    expect(forbidden.isError).toBe(true);
    const shape = (r: typeof forbidden) => JSON.stringify(r).replaceAll('salary-bands', 'X').replaceAll('salary-bandz', 'X');
    expect(shape(forbidden)).toBe(shape(unknown));
    expect(JSON.stringify(forbidden)).not.toContain('Salary Bands');
  });

  it('resources/read: allowed returns the text; forbidden, unknown and malformed ids give one error', async () => {
    const r = await clients.bob!.readResource({ uri: 'doc://q3-budget' });
    expect(r.contents[0]).toMatchObject({ uri: 'doc://q3-budget', mimeType: 'text/markdown', text: expect.stringContaining('Total operating budget') });
    const errorOf = (uri: string) => clients.alice!.readResource({ uri }).then(() => undefined, (e: Error & { code?: number; data?: unknown }) => ({ code: e.code, message: e.message.replace(uri, 'U'), data: JSON.stringify(e.data).replace(uri, 'U') }));
    const forbidden = await errorOf('doc://q3-budget');
    // -32602 with the URI: MCP 2026-07-28 requires it, and the SDK's v2 line answers so on every revision.
    expect(forbidden).toMatchObject({ code: -32602, data: '{"uri":"U"}' });
    expect(await errorOf('doc://no-such-document')).toEqual(forbidden);
    expect(await errorOf('doc://../etc')).toEqual(forbidden);
  });

  it('resources/list: only viewable documents, paged with an opaque cursor', async () => {
    // 120 more engineering documents, so alice's list spans several pages
    const files = Array.from({ length: 120 }, (_, i) => ({ relPath: `bulk/eng-note-${String(i).padStart(3, '0')}.md`, text: `# Engineering note ${i}\n\nNotes about the build pipeline, number ${i}.` }));
    await ingestFiles({ store: gh.documents.store, authorizer: gh.authorizer }, { folder: 'engineering' }, files);
    const all: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await clients.alice!.listResources(cursor ? { cursor } : undefined);
      all.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain('doc://eng-note-119');
    expect(all).toContain('doc://employee-handbook');
    expect(all).toContain('doc://falcon-design');
    expect(all).not.toContain('doc://q3-budget');
    expect(all).not.toContain('doc://salary-bands');
    expect(all.length).toBe(8 + 9 + 120 + 6);
    const bob = (await clients.bob!.listResources()).resources.map((r) => r.uri);
    expect(bob).toContain('doc://q3-budget');
    expect(bob).not.toContain('doc://engineering-roadmap');
    await expect(clients.alice!.listResources({ cursor: 'not-a-cursor' })).rejects.toThrow(/Invalid cursor/);
  });
});

describe('FGA down: search and read fail closed with "authorization unavailable"', () => {
  let gh: TestGatehouse;
  let client: Client;
  const dataDir = tempDir();
  beforeAll(async () => {
    // first start loads the demo corpus; the second start (same data dir, same Store) finds FGA unreachable (a closed port)
    const store: Record<string, string> = ON_POSTGRES ? { GATEHOUSE_DATABASE_URL: await createTestDatabase() } : {};
    const first = await startTestGatehouse(store, { dataDir });
    const storeId = first.fga!.storeId;
    await first.stop();
    gh = await startTestGatehouse({ ...store, FGA_API_URL: `http://127.0.0.1:${await closedPort()}`, FGA_STORE_ID: storeId }, { dataDir });
    expect(await gh.documents.store.get('employee-handbook')).toBeDefined();
    client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice'));
  });
  afterAll(async () => {
    await client?.close();
    await gh?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never returns unfiltered data', async () => {
    for (const [name, args] of [['search_documents', { query: 'budget roadmap handbook' }], ['read_document', { id: 'employee-handbook' }]] as const) {
      const r = await client.callTool({ name, arguments: args });
      expect(r.isError).toBe(true);
      expect(r.structuredContent).toMatchObject({ error: { code: 'authorization_unavailable' } });
      expect(JSON.stringify(r)).not.toMatch(/Employee Handbook|Engineering Roadmap|doc:\/\//);
    }
    await expect(client.readResource({ uri: 'doc://employee-handbook' })).rejects.toThrow(/authorization_unavailable/);
    await expect(client.listResources()).rejects.toThrow(/authorization_unavailable/);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
