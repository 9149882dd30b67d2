import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly } from '../../../src/embedded/authserver/headless-login.js';
import { BASELINE_SCOPES } from '../../../src/identity/scopes.js';
import { bootstrapAuthServer, MCP_URL, scopesOf, type AuthServerFixture } from './bootstrap.js';

const REDIRECT_URI = 'http://127.0.0.1:53682/oauth/callback';
let fx: AuthServerFixture;
beforeAll(async () => {
  fx = await bootstrapAuthServer();
});
afterAll(async () => fx?.close());

/** An in-memory OAuthClientProvider whose "browser" is the headless login. */
class HeadlessProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  callback?: URL;
  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata() {
    return { client_name: 'MCP SDK test client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
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
    this.callback = await authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI });
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe('the MCP SDK client auth helper against the embedded server', () => {
  it('discovers, registers, authorizes with PKCE and gets a token for the MCP resource', async () => {
    // The MCP server's protected resource metadata, answered without a listener.
    const prm = { resource: MCP_URL, authorization_servers: [fx.server.issuer], scopes_supported: [...BASELINE_SCOPES] };
    const fetchFn = (url: string | URL, init?: RequestInit) =>
      String(url).startsWith(new URL(MCP_URL).origin)
        ? Promise.resolve(String(url).includes('/.well-known/oauth-protected-resource') ? Response.json(prm) : new Response(null, { status: 404 }))
        : fetch(url, init);

    const provider = new HeadlessProvider();
    const scope = BASELINE_SCOPES.join(' ');
    expect(await auth(provider, { serverUrl: MCP_URL, scope, fetchFn })).toBe('REDIRECT');
    const code = provider.callback?.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(await auth(provider, { serverUrl: MCP_URL, scope, authorizationCode: code!, fetchFn })).toBe('AUTHORIZED');

    const jwks = createRemoteJWKSet(new URL(`${fx.server.issuer}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(provider.saved!.access_token, jwks, { issuer: fx.server.issuer, audience: MCP_URL });
    expect(payload.sub).toBe('alice');
    expect(scopesOf(payload)).toEqual([...BASELINE_SCOPES].sort());
  });
});
