import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly } from '../../../src/embedded/authserver/headless-login.js';
import { ALL_SCOPES } from '../../../src/identity/scopes.js';
import { bootstrapAuthServer, verifyAccessToken, MCP_URL, scopesOf, type AuthServerFixture } from './bootstrap.js';
import { discover, pkceParams, registerClient } from './clients.js';

const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
let fx: AuthServerFixture;
let clientId: string;

beforeAll(async () => {
  fx = await bootstrapAuthServer();
  // What the MCP SDK client sends: a public client, every scope from the 401 challenge listed.
  const client = await registerClient(fx.server.issuer, {
    client_name: 'Some MCP Client',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: ALL_SCOPES.join(' '),
  });
  clientId = client.client_id;
  expect(client.client_secret).toBeUndefined();
});
afterAll(async () => fx?.close());

const verify = async (token: string) => (await verifyAccessToken(fx, token)).payload;

describe('dynamic client registration + authorization code with PKCE', () => {
  it('a registered public client gets a token for the MCP resource', async () => {
    const config = await discover(fx.server.issuer, clientId);
    const { verifier, state, params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: REDIRECT_URI, scope: 'identity:read calendar:write offline_access', resource: MCP_URL });
    const callback = await authorizeHeadlessly(url, { user: 'carol', password: 'carol-demo-pw', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const payload = await verify(tokens.access_token);
    expect(payload).toMatchObject({ sub: 'carol', azp: clientId, org_id: 'org_acme' });
    expect(scopesOf(payload)).toEqual(['calendar:write', 'identity:read']);
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('refuses an authorization request without code_challenge', async () => {
    const config = await discover(fx.server.issuer, clientId);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'identity:read', resource: MCP_URL, state: 's' });
    await expect(authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI })).rejects.toThrow(
      'authorization failed: invalid_request',
    );
  });

  it("accepts Auth0's `audience` parameter as an alias of `resource`", async () => {
    const config = await discover(fx.server.issuer, clientId);
    const { verifier, state, params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: REDIRECT_URI, scope: 'docs:read', audience: MCP_URL });
    const callback = await authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const payload = await verify(tokens.access_token);
    expect(payload.aud).toBe(MCP_URL);
    expect(scopesOf(payload)).toEqual(['docs:read']);
  });

  it('refuses an unknown audience', async () => {
    const config = await discover(fx.server.issuer, clientId);
    const { params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: REDIRECT_URI, scope: 'docs:read', audience: 'https://other.example/api' });
    await expect(authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI })).rejects.toThrow(
      'authorization failed: invalid_target',
    );
  });

  it('fills in the default scopes when the client sends no scope', async () => {
    const config = await discover(fx.server.issuer, clientId);
    const { verifier, state, params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: REDIRECT_URI, resource: MCP_URL });
    const callback = await authorizeHeadlessly(url, { user: 'bob', password: 'bob-demo-pw', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(scopesOf(await verify(tokens.access_token))).toEqual(['calendar:read', 'docs:read', 'identity:read']);
  });

  it('ends with access_denied when the user denies consent', async () => {
    const config = await discover(fx.server.issuer, clientId);
    const { params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: REDIRECT_URI, scope: 'email:send', resource: MCP_URL });
    await expect(
      authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI, consent: 'deny' }),
    ).rejects.toThrow('authorization failed: access_denied');
  });

  it('refuses to register a scope the server does not know', async () => {
    const res = await fetch(`${fx.server.issuer}/oidc/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', scope: 'identity:read admin:everything' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });
});
