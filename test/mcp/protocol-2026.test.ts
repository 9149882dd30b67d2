import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectV2, connectWithToken, jsonRpcOf, MODERN, modernHeaders, modernRequest, rpc, tokenFor, type V2Client } from '../helpers/mcp-client.js';

/** MCP 2026-07-28 and 2025-11-25 on the one /mcp endpoint, stateless. */
describe('one endpoint, two revisions: 2026-07-28 and 2025-11-25', () => {
  let gh: TestGatehouse;
  let token: string;
  let narrow: string;
  const clients: V2Client[] = [];
  const post = (body: unknown, headers: Record<string, string>, bearer = token) => rpc(gh.mcpUrl, body, { authorization: `Bearer ${bearer}`, ...headers });
  /** Audit entries a call would leave (a call, a refused call, a step-up), from `since` on. */
  const callEntries = async (since: number) => (await gh.audit.recent(1000)).filter((e) => e.seq > since && ['tool_call', 'call_rejected', 'step_up', 'request_state_refused'].includes(e.event));
  const lastSeq = async () => Math.max(0, ...(await gh.audit.recent(1)).map((e) => e.seq));

  beforeAll(async () => {
    gh = await startTestGatehouse();
    token = await tokenFor(gh, 'alice', 'identity:read docs:read calendar:read');
    narrow = await tokenFor(gh, 'alice', 'identity:read');
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await gh?.stop();
  });

  it('the v2 client pinned to 2026-07-28 connects (server/discover), lists tools and calls whoami and search_documents', async () => {
    const client = await connectV2(gh.mcpUrl, token);
    clients.push(client);
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getServerVersion()).toMatchObject({ name: 'gatehouse' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['whoami', 'search_documents']));
    const me = await client.callTool({ name: 'whoami', arguments: {} });
    expect(me.isError).toBeFalsy();
    expect(JSON.stringify(me.content)).toContain('alice');
    const found = await client.callTool({ name: 'search_documents', arguments: { query: 'budget' } });
    expect(found.isError).toBeFalsy();
  });

  it('the same v2 client in its default mode speaks 2025-11-25 to the same URL', async () => {
    const client = await connectV2(gh.mcpUrl, token, { era: 'legacy' });
    clients.push(client);
    expect(client.getProtocolEra()).toBe('legacy');
    const me = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.stringify(me.content)).toContain('alice');
  });

  it('the v1 SDK client still negotiates 2025-11-25', async () => {
    const v1 = await connectWithToken(gh.mcpUrl, token);
    const me = await v1.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.stringify(me.content)).toContain('alice');
    await v1.close();
  });

  it('server/discover: 200, resultType "complete", the modern version offered, cache hints private', async () => {
    const r = await post(modernRequest('server/discover'), modernHeaders('server/discover'));
    expect(r.status).toBe(200);
    const m = await jsonRpcOf(r);
    expect(m.result).toMatchObject({ resultType: 'complete', ttlMs: 60_000, cacheScope: 'private', supportedVersions: [MODERN] });
    expect(m.result!.capabilities).toMatchObject({ tools: {} });
  });

  it('tools/list on 2026-07-28: resultType "complete", ttlMs 60000 and cacheScope "private"', async () => {
    const m = await jsonRpcOf(await post(modernRequest('tools/list'), modernHeaders('tools/list')));
    expect(m.result).toMatchObject({ resultType: 'complete', ttlMs: 60_000, cacheScope: 'private' });
    // The 2025 answer carries no 2026 fields.
    const legacy = await jsonRpcOf(await post({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }, {}));
    expect(legacy.result).not.toHaveProperty('resultType');
    expect(legacy.result).not.toHaveProperty('cacheScope');
  });

  it('resources/list and resources/read depend on the caller: ttlMs 0, cacheScope "private"; an unknown resource is -32602', async () => {
    const list = await jsonRpcOf(await post(modernRequest('resources/list'), modernHeaders('resources/list')));
    expect(list.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    const missing = await post(modernRequest('resources/read', { uri: 'doc://no-such-document' }), modernHeaders('resources/read', 'doc://no-such-document'));
    const m = await jsonRpcOf(missing);
    expect(m.error).toStrictEqual({ code: -32602, message: 'Resource not found', data: { uri: 'doc://no-such-document' } });
  });

  it('a tool call on 2026-07-28 carries resultType "complete"', async () => {
    const m = await jsonRpcOf(await post(modernRequest('tools/call', { name: 'whoami', arguments: {} }), modernHeaders('tools/call', 'whoami')));
    expect(m.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: expect.stringContaining('alice') }] });
    expect(m.result).not.toHaveProperty('isError');
  });

  it('Mcp-Method disagreeing with the body: 400 / -32020, before any gate: nothing audited as a call', async () => {
    const since = await lastSeq();
    const r = await post(modernRequest('tools/call', { name: 'whoami', arguments: {} }), modernHeaders('tools/list', 'whoami'));
    expect(r.status).toBe(400);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32020);
    expect(await callEntries(since)).toEqual([]);
  });

  it('Mcp-Name disagreeing with the tool named in the body: 400 / -32020 — even for a tool the token lacks scopes for (no step-up is audited)', async () => {
    const since = await lastSeq();
    const r = await post(modernRequest('tools/call', { name: 'create_calendar_event', arguments: {} }), modernHeaders('tools/call', 'whoami'), narrow);
    expect(r.status).toBe(400);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32020);
    expect(await callEntries(since)).toEqual([]);
  });

  it('a missing Mcp-Name on tools/call: 400 / -32020, nothing audited', async () => {
    const since = await lastSeq();
    const r = await post(modernRequest('tools/call', { name: 'whoami', arguments: {} }), modernHeaders('tools/call'));
    expect(r.status).toBe(400);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32020);
    expect(await callEntries(since)).toEqual([]);
  });

  it('MCP-Protocol-Version disagreeing with the _meta version: 400 / -32020', async () => {
    const r = await post(modernRequest('tools/list'), { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2025-11-25' });
    expect(r.status).toBe(400);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32020);
  });

  it('an unsupported protocol version: 400 / -32022 naming the supported ones; a tool call with it runs nothing', async () => {
    const since = await lastSeq();
    const r = await post(modernRequest('tools/call', { name: 'whoami', arguments: {} }, { version: '2099-01-01' }), { ...modernHeaders('tools/call', 'whoami'), 'mcp-protocol-version': '2099-01-01' });
    expect(r.status).toBe(400);
    const m = await jsonRpcOf(r);
    expect(m.error?.code).toBe(-32022);
    expect(m.error?.data).toMatchObject({ requested: '2099-01-01', supported: expect.arrayContaining([MODERN]) });
    expect(await callEntries(since)).toEqual([]);
  });

  it('a 2026-07-28 header without the _meta envelope: 400 / -32602, nothing audited', async () => {
    const since = await lastSeq();
    const r = await post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, modernHeaders('tools/call', 'whoami'));
    expect(r.status).toBe(400);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32602);
    expect(await callEntries(since)).toEqual([]);
  });

  it('logging/setLevel is gone in 2026-07-28: 404 / -32601 (the SDK answers a method this revision does not define before dispatch)', async () => {
    const r = await post(modernRequest('logging/setLevel', { level: 'debug' }), modernHeaders('logging/setLevel'));
    expect(r.status).toBe(404);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32601);
  });

  it('step-up on 2026-07-28: a tool needing scopes the token lacks is the 403 challenge listing every scope needed', async () => {
    const r = await post(modernRequest('tools/call', { name: 'create_calendar_event', arguments: {} }), modernHeaders('tools/call', 'create_calendar_event'), narrow);
    expect(r.status).toBe(403);
    const challenge = r.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer error="insufficient_scope", scope="identity:read calendar:write"/);
  });

  it('scope hierarchy: a token with calendar:write is not stepped up for list_calendar_events (calendar:read)', async () => {
    const writer = await tokenFor(gh, 'alice', 'identity:read calendar:write');
    const r = await post(modernRequest('tools/call', { name: 'list_calendar_events', arguments: {} }), modernHeaders('tools/call', 'list_calendar_events'), writer);
    expect(r.status).not.toBe(403);
  });

  it('GET and DELETE: 405 with Allow: POST on either revision header', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await fetch(gh.mcpUrl, { method, headers: { authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN } });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('POST');
    }
  });

  it('a batch of 2026-07-28 requests: 400 / -32600, nothing run', async () => {
    const since = await lastSeq();
    const r = await post([modernRequest('tools/call', { name: 'whoami', arguments: {} })], modernHeaders('tools/call', 'whoami'));
    expect(r.status).toBe(400);
    expect((await jsonRpcOf(r)).error?.code).toBe(-32600);
    expect((await callEntries(since)).map((e) => e.event)).toEqual(['call_rejected']);
  });
});
