import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { startClientMetadataHost, type ClientMetadataHost } from '../helpers/client-metadata-host.js';
import { HeadlessOAuthProvider } from '../helpers/mcp-client.js';
import { writeTestCaFile } from '../helpers/test-ca.js';

/** The v1 SDK's OAuth provider identifying itself by a client metadata document instead of registering. */
class MetadataDocumentProvider extends HeadlessOAuthProvider {
  constructor(
    user: string,
    readonly clientMetadataUrl: string,
  ) {
    super(user);
  }
}

describe('end to end: the v1 MCP SDK client identifies itself by a client metadata document and calls whoami', () => {
  let gh: TestGatehouse;
  let host: ClientMetadataHost;
  beforeAll(async () => {
    host = await startClientMetadataHost();
    // The document is served by a local https server with a test CA: the test-only settings let the
    // embedded authorization server trust that CA and reach loopback.
    gh = await startTestGatehouse({ GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'true', GATEHOUSE_EMBEDDED_CIMD_CA_FILE: writeTestCaFile(tempDir()) });
  });
  afterAll(async () => {
    await gh?.stop();
    await host?.close();
  });

  it('goes from a 401 to whoami with the document URL as its client id, without registering', async () => {
    const clientId = `${host.origin}/clients/v1-sdk.json`;
    const provider = new MetadataDocumentProvider('alice', clientId);
    host.json('/clients/v1-sdk.json', { client_id: clientId, ...provider.clientMetadata });

    const transport = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
    await expect(new Client({ name: 'e2e', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const auth = provider.authorizations[0]!;
    expect(auth.origin).toBe(new URL(gh.issuer).origin);
    expect(auth.searchParams.get('client_id')).toBe(clientId);
    expect(provider.client?.client_id).toBe(clientId);
    expect(host.hits('/clients/v1-sdk.json')).toBeGreaterThan(0);
    await transport.finishAuth(provider.lastCallback!.searchParams.get('code')!);

    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider }));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ kind: 'user', sub: 'alice', client: clientId });
    await client.close();
  });
});
