import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
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
export type { V2Client };

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

/** The MCP revision the v2 client is pinned to in tests (no fallback: a server that cannot speak it fails). */
export const MODERN = '2026-07-28';

/**
 * A v2 client (`@modelcontextprotocol/client`) with a static bearer token: pinned to 2026-07-28 by
 * default, or in its default mode (the 2025 `initialize` handshake) with `{ era: 'legacy' }`. It
 * declares URL-mode elicitation; `onUrlElicitation` plays the user's browser for an `input_required`
 * round (the client then retries with the server's requestState).
 */
export async function connectV2(
  mcpUrl: string,
  token: string,
  opts: { era?: 'modern' | 'legacy'; onUrlElicitation?: (url: string) => Promise<void>; elicitation?: boolean } = {},
): Promise<V2Client> {
  const client = new V2Client(
    { name: 'gatehouse-test-v2', version: '1.0.0' },
    {
      ...(opts.era === 'legacy' ? {} : { versionNegotiation: { mode: { pin: MODERN } } }),
      capabilities: opts.elicitation === false ? {} : { elicitation: { url: {} } },
    },
  );
  if (opts.elicitation !== false) {
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { mode?: string; url?: string };
      if (params.mode !== 'url' || !params.url || !opts.onUrlElicitation) return { action: 'decline' };
      await opts.onUrlElicitation(params.url);
      return { action: 'accept' };
    });
  }
  await client.connect(new V2Transport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

/** The headers a 2026-07-28 client sends with a request (MCP-Protocol-Version, Mcp-Method, Mcp-Name). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) };
}

/** A 2026-07-28 request body: params carry the per-request `_meta` envelope. */
export function modernRequest(method: string, params: Record<string, unknown> = {}, opts: { id?: number; version?: string; capabilities?: Record<string, unknown> } = {}) {
  return {
    jsonrpc: '2.0',
    id: opts.id ?? 1,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': opts.version ?? MODERN,
        'io.modelcontextprotocol/clientCapabilities': opts.capabilities ?? {},
        'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      },
    },
  };
}

/** Reads a JSON or single-event SSE answer as its JSON-RPC message. */
export async function jsonRpcOf(response: Response): Promise<{ id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } }> {
  const text = await response.text();
  const data = text.startsWith('{') ? text : text.split('\n').filter((l) => l.startsWith('data: ')).pop()!.slice(6);
  return JSON.parse(data);
}
