import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { HeadlessOAuthProvider } from '../helpers/mcp-client.js';

describe('end to end: an MCP SDK client discovers, registers, logs in with PKCE and calls whoami', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('goes from a 401 to whoami returning alice', async () => {
    const provider = new HeadlessOAuthProvider('alice');
    const transport = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    // First contact: 401 -> PRM -> AS metadata -> DCR -> authorization request (our headless browser logs in).
    await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.client?.client_id).toBeTruthy();
    const auth = provider.authorizations[0]!;
    expect(auth.origin).toBe(new URL(gh.issuer).origin);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('resource')).toBe(gh.mcpUrl);
    expect(auth.searchParams.get('scope')?.split(' ').sort()).toEqual(['calendar:read', 'docs:read', 'identity:read']);
    await transport.finishAuth(provider.lastCallback!.searchParams.get('code')!);

    const client2 = new Client({ name: 'e2e', version: '1.0.0' });
    await client2.connect(new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider }));
    const result = await client2.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ kind: 'user', sub: 'alice', organization: 'org_acme', client: provider.client!.client_id });
    expect(JSON.stringify(result)).not.toContain(provider.saved!.access_token);
    await client2.close();
  });
});
