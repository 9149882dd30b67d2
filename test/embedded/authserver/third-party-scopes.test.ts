import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly, obtainAccessToken } from '../../../src/embedded/authserver/headless-login.js';
import { bootstrapAuthServer, MCP_URL, RESOURCE, scopesOf, verifyAccessToken, type AuthServerFixture } from './bootstrap.js';
import { discover, pkceParams, registerClient } from './clients.js';

const REDIRECT_URI = 'http://127.0.0.1:43123/callback';

/** Auth0's "Default Permissions for Third-Party Applications": the ceiling for every DCR client. */
describe('third-party default permissions', () => {
  let fx: AuthServerFixture;
  beforeAll(async () => {
    fx = await bootstrapAuthServer({ resource: { ...RESOURCE, thirdPartyScopes: ['identity:read', 'docs:read'] } });
  });
  afterAll(async () => fx?.close());

  it('a registered client is not granted a scope outside the list, even when the user consents', async () => {
    const client = await registerClient(fx.server.issuer, { client_name: 'Agent', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
    const config = await discover(fx.server.issuer, client.client_id);
    const { verifier, state, params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: REDIRECT_URI, scope: 'identity:read purchases:create email:send', resource: MCP_URL });
    const callback = await authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(scopesOf((await verifyAccessToken(fx, tokens.access_token)).payload)).toEqual(['identity:read']);
  });

  it('a first-party client (the CLI) is not bound by it', async () => {
    const tokens = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'alice', password: 'alice-demo-pw', scope: 'identity:read purchases:create' });
    expect(scopesOf((await verifyAccessToken(fx, tokens.accessToken)).payload)).toEqual(['identity:read', 'purchases:create']);
  });
});
