import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly } from '../../src/embedded/authserver/headless-login.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { startClientMetadataHost, type ClientMetadataHost } from '../helpers/client-metadata-host.js';
import { writeTestCaFile } from '../helpers/test-ca.js';

const REDIRECT_URL = 'http://127.0.0.1:33419/callback';

/**
 * The v2 client's OAuth client provider, its "browser" played headlessly as a demo user. With
 * `clientMetadataUrl` it identifies itself by that document (when the server advertises
 * client_id_metadata_document_supported); without, it registers (DCR).
 */
class HeadlessV2Provider implements OAuthClientProvider {
  readonly redirectUrl = REDIRECT_URL;
  client?: StoredOAuthClientInformation;
  saved?: StoredOAuthTokens;
  verifier = '';
  lastCallback?: URL;
  registered = false;
  authorizations: URL[] = [];
  constructor(
    readonly user: string,
    readonly clientMetadataUrl?: string,
  ) {}
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Gatehouse v2 e2e client', redirect_uris: [REDIRECT_URL], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.registered = info.client_id !== this.clientMetadataUrl;
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    const u = findDemoUser(this.user)!;
    this.lastCallback = await authorizeHeadlessly(url, { user: u.id, password: u.password, redirectUri: REDIRECT_URL });
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

let gh: TestGatehouse;
let host: ClientMetadataHost;
beforeAll(async () => {
  host = await startClientMetadataHost();
  gh = await startTestGatehouse({ GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'true', GATEHOUSE_EMBEDDED_CIMD_CA_FILE: writeTestCaFile(tempDir()) });
});
afterAll(async () => {
  await gh?.stop();
  await host?.close();
});

/** 401 -> RFC 9728 + AS metadata -> client id (document or registration) -> headless login -> token; returns the connected client. */
async function authorizeAndConnect(provider: HeadlessV2Provider, versionNegotiation?: ConstructorParameters<typeof Client>[1]): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const first = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
  await expect(new Client({ name: 'e2e-v2', version: '1.0.0' }, versionNegotiation).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  const auth = provider.authorizations[0]!;
  expect(auth.origin).toBe(new URL(gh.issuer).origin);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('resource')).toBe(gh.mcpUrl);
  // RFC 9207: the authorization response names its issuer, and the client checks it.
  expect(provider.lastCallback!.searchParams.get('iss')).toBe(gh.issuer);
  await first.finishAuth(provider.lastCallback!.searchParams);

  const transport = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'e2e-v2', version: '1.0.0' }, versionNegotiation);
  await client.connect(transport);
  return { client, transport };
}

describe('end to end: the v2 MCP client (@modelcontextprotocol/client) with its OAuth client provider, on 2025-11-25', () => {
  it('identifies itself by a client metadata document (no registration) and gets whoami', async () => {
    const clientId = `${host.origin}/clients/v2-legacy.json`;
    const provider = new HeadlessV2Provider('alice', clientId);
    host.json('/clients/v2-legacy.json', { client_id: clientId, ...provider.clientMetadata });
    const { client, transport } = await authorizeAndConnect(provider);
    expect(provider.authorizations[0]!.searchParams.get('client_id')).toBe(clientId);
    expect(provider.registered).toBe(false);
    expect(host.hits('/clients/v2-legacy.json')).toBeGreaterThan(0);
    expect(transport.protocolVersion).toBe('2025-11-25');
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ kind: 'user', sub: 'alice', client: clientId });
    await client.close();
  });

  it('without a metadata document URL it registers (DCR, kept for older clients) and gets whoami', async () => {
    const provider = new HeadlessV2Provider('bob');
    const { client, transport } = await authorizeAndConnect(provider);
    expect(provider.registered).toBe(true);
    expect(provider.client?.client_id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(transport.protocolVersion).toBe('2025-11-25');
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.structuredContent).toMatchObject({ kind: 'user', sub: 'bob', client: provider.client!.client_id });
    await client.close();
  });
});

describe('end to end: the v2 MCP client pinned to 2026-07-28, with its OAuth client provider', () => {
  it('401 -> discovery -> client metadata document -> login -> whoami and search_documents, on the modern revision', async () => {
    const clientId = `${host.origin}/clients/v2-modern.json`;
    const provider = new HeadlessV2Provider('alice', clientId);
    host.json('/clients/v2-modern.json', { client_id: clientId, ...provider.clientMetadata });
    const { client } = await authorizeAndConnect(provider, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    expect(provider.authorizations[0]!.searchParams.get('client_id')).toBe(clientId);
    expect(provider.registered).toBe(false);
    expect(client.getProtocolEra()).toBe('modern');
    const me = await client.callTool({ name: 'whoami', arguments: {} });
    expect(me.isError).toBeFalsy();
    expect(me.structuredContent).toMatchObject({ kind: 'user', sub: 'alice', client: clientId });
    const found = await client.callTool({ name: 'search_documents', arguments: { query: 'budget' } });
    expect(found.isError).toBeFalsy();
    await client.close();
  });
});
