import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, initialize, rpc, tokenFor } from '../helpers/mcp-client.js';

/** JSON-RPC batches are not part of MCP since 2025-06-18: /mcp refuses any array before the MCP SDK sees it. */
describe('POST /mcp with a JSON-RPC batch', () => {
  let gh: TestGatehouse;
  let token: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    token = await tokenFor(gh, 'bob', 'identity:read');
  });
  afterAll(async () => gh?.stop());

  it('even a batch of one harmless message is refused with 400 / -32600 and audited', async () => {
    const res = await rpc(gh.mcpUrl, [callTool('whoami')], { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32600);
    const [entry] = (await gh.audit.recent(3)).filter((e) => e.event === 'call_rejected');
    expect(entry!.data).toMatchObject({ sub: 'bob', reason: 'batch', count: 1 });
    expect((await gh.audit.recent(3)).some((e) => e.event === 'tool_call')).toBe(false);
  });

  it('an empty batch is refused the same way', async () => {
    const res = await rpc(gh.mcpUrl, [], { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32600);
  });

  it('without a token a batch gets the 401 challenge first (authentication comes before everything)', async () => {
    const res = await rpc(gh.mcpUrl, [initialize]);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
  });

  it('a single message still works', async () => {
    const res = await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"sub":"bob"');
  });
});
