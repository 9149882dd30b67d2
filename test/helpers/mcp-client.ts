import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { authorizeHeadlessly } from '../../src/embedded/authserver/headless-login.js';
import { obtainAccessToken } from '../../src/embedded/authserver/headless-login.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';

/**
 * The MCP SDK's OAuth client provider, with the "browser" played headlessly as a demo user: the SDK
 * does discovery from the 401, DCR, PKCE and the token exchange; we only log in at the pages.
 */
export class HeadlessOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:33418/callback';
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  lastCallback?: URL;
  authorizations: URL[] = [];
  constructor(
    readonly user: string,
    readonly opts: { keepRefreshToken?: boolean } = {},
  ) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Gatehouse e2e test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = this.opts.keepRefreshToken === false ? { ...tokens, refresh_token: undefined } : tokens;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    const u = findDemoUser(this.user)!;
    this.lastCallback = await authorizeHeadlessly(url, { user: u.id, password: u.password, redirectUri: this.redirectUrl });
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** Connect an SDK client with a static bearer token (no OAuth dance). */
export async function connectWithToken(mcpUrl: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'gatehouse-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined,
  });
  await client.connect(transport);
  return client;
}

export async function tokenFor(gh: { issuer: string; mcpUrl: string }, user: string, scope?: string): Promise<string> {
  const u = findDemoUser(user)!;
  return (await obtainAccessToken({ issuer: gh.issuer, resource: gh.mcpUrl, user: u.id, password: u.password, scope })).accessToken;
}

/** A raw JSON-RPC POST to /mcp, for asserting exact HTTP statuses and headers. */
export async function rpc(mcpUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

export const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
export const callTool = (name: string, args: Record<string, unknown> = {}, id = 2) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** A POST through node:http, which (unlike fetch) lets a test set the Host header. */
export async function rawPost(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
