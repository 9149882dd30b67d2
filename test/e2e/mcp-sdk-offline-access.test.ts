import { auth, discoverAuthorizationServerMetadata, extractWWWAuthenticateParams, refreshAuthorization, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly } from '../../src/embedded/authserver/headless-login.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';

/**
 * Refresh tokens for MCP clients, as MCP's refresh-token guidance (SEP-2207) puts it: `offline_access`
 * is between the client and the authorization server. The MCP server never names it (not in its
 * challenge, not in its protected resource metadata); the authorization server lists it in its
 * `scopes_supported`, and a client that wants a refresh token adds it. As on Auth0, a refresh token
 * is issued only when it was asked for, so a client that did not ask gets none.
 */
const REDIRECT_URI = 'http://127.0.0.1:53682/oauth/callback';

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

/** An MCP SDK OAuthClientProvider (DCR, public client, refresh_token grant) whose "browser" is the headless login. */
class HeadlessProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  callback?: URL;
  authorizationUrl?: URL;
  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata() {
    return { client_name: 'MCP SDK client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
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
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
    this.callback = await authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI });
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** What the SDK's transport does on a 401: read the challenge, then run `auth` with its scope. */
async function challenge(): Promise<{ scope?: string; resourceMetadataUrl?: URL }> {
  const res = await fetch(gh.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
  });
  expect(res.status).toBe(401);
  return extractWWWAuthenticateParams(res);
}

async function authorize(provider: HeadlessProvider, scope: string | undefined, resourceMetadataUrl: URL | undefined): Promise<OAuthTokens> {
  expect(await auth(provider, { serverUrl: gh.mcpUrl, scope, resourceMetadataUrl })).toBe('REDIRECT');
  const code = provider.callback!.searchParams.get('code')!;
  expect(await auth(provider, { serverUrl: gh.mcpUrl, scope, resourceMetadataUrl, authorizationCode: code })).toBe('AUTHORIZED');
  return provider.saved!;
}

describe('MCP SDK clients and refresh tokens (offline_access)', () => {
  it('the MCP server never names offline_access; the authorization server lists it in scopes_supported', async () => {
    const { scope, resourceMetadataUrl } = await challenge();
    expect(scope).toBeTruthy();
    expect(scope!.split(' ')).not.toContain('offline_access');
    const prm = (await (await fetch(resourceMetadataUrl!)).json()) as { scopes_supported: string[] };
    expect(prm.scopes_supported).not.toContain('offline_access');
    const as = await discoverAuthorizationServerMetadata(gh.issuer);
    expect(as?.scopes_supported).toContain('offline_access');
  });

  it('an SDK client that follows the challenge as it is (and does not ask for offline_access) gets no refresh token', async () => {
    const { scope, resourceMetadataUrl } = await challenge();
    const provider = new HeadlessProvider();
    const tokens = await authorize(provider, scope, resourceMetadataUrl);
    expect(provider.authorizationUrl!.searchParams.get('scope')).toBe(scope);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('an SDK client that adds offline_access because the authorization server lists it gets a refresh token that refreshes', async () => {
    const { scope, resourceMetadataUrl } = await challenge();
    const provider = new HeadlessProvider();
    const tokens = await authorize(provider, `${scope} offline_access`, resourceMetadataUrl);
    expect(provider.authorizationUrl!.searchParams.get('prompt')).toBe('consent');
    expect(tokens.refresh_token).toBeTruthy();
    const metadata = await discoverAuthorizationServerMetadata(gh.issuer);
    const refreshed = await refreshAuthorization(gh.issuer, { metadata, clientInformation: provider.client!, refreshToken: tokens.refresh_token!, resource: new URL(gh.mcpUrl) });
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });
});
