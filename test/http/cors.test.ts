import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, rpc, tokenFor } from '../helpers/mcp-client.js';

/**
 * Origin and CORS on the MCP port, from a browser's side: a preflight from a loopback page (or a
 * configured origin) gets exactly the CORS headers a browser MCP client needs; any other Origin is
 * refused before anything else runs, with no CORS header to read the answer by.
 */
describe('Origin and CORS on /mcp', () => {
  let gh: TestGatehouse;
  let token: string;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_ALLOWED_ORIGINS: 'https://app.example.com' });
    token = await tokenFor(gh, 'alice');
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const preflight = (origin: string) =>
    fetch(gh.mcpUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
  const corsHeaders = (res: Response) => Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('access-control-') || k === 'vary'));

  it.each(['http://localhost:6274', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://app.example.com'])('a preflight from %s is answered 204 with the exact CORS headers', async (origin) => {
    const res = await preflight(origin);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID',
      'access-control-expose-headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(await res.text()).toBe('');
  });

  it.each(['http://evil.example.com', 'http://localhost.evil.example', 'http://127.0.0.1.evil.example', 'https://app.example.com.evil.example', 'null'])(
    'a preflight from %s is refused 403 with no CORS header',
    async (origin) => {
      const res = await preflight(origin);
      expect(res.status).toBe(403);
      expect(corsHeaders(res)).toEqual({});
      expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Origin not allowed.' }, id: null });
    },
  );

  it('a tool call from a foreign Origin with a valid token is refused 403, and nothing runs or is audited', async () => {
    const before = (await gh.audit.recent(1))[0]?.seq ?? 0;
    const res = await rpc(gh.mcpUrl, callTool('whoami'), { origin: 'http://evil.example.com', authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual({});
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Origin not allowed.' }, id: null });
    expect((await gh.audit.recent(1))[0]?.seq ?? 0).toBe(before);
  });

  it('a tool call from an allowed Origin runs, and the browser may read the answer and the challenge header', async () => {
    const res = await rpc(gh.mcpUrl, callTool('whoami'), { origin: 'https://app.example.com', authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-expose-headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
      vary: 'Origin',
    });
    const last = (await gh.audit.recent(1))[0]!;
    expect([last.event, last.data.tool, last.data.result]).toEqual(['tool_call', 'whoami', 'ok']);
  });
});
