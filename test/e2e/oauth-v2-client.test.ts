import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { HeadlessOAuthProvider, MODERN } from '../helpers/mcp-client.js';

describe('end to end: the v2 MCP client pinned to 2026-07-28 goes from a 401 through discovery and DCR to a token, then calls whoami', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('401 -> protected resource metadata -> authorization server -> login with PKCE -> whoami on 2026-07-28', async () => {
    const provider = new HeadlessOAuthProvider('alice');
    const pinned = () => new Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    const transport = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
    // The probe (server/discover) meets the 401 first: auth settles before the era.
    await expect(pinned().connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const auth = provider.authorizations[0]!;
    expect(auth.origin).toBe(new URL(gh.issuer).origin);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('resource')).toBe(gh.mcpUrl);
    // The callback as a whole: the client checks its `iss` against the issuer it discovered (RFC 9207).
    expect(provider.lastCallback!.searchParams.get('iss')).toBe(gh.issuer);
    await transport.finishAuth(provider.lastCallback!.searchParams);

    const client = pinned();
    await client.connect(new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider }));
    expect(client.getProtocolEra()).toBe('modern');
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ kind: 'user', sub: 'alice', client: provider.client!.client_id });
    await client.close();
  });
});
