import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly, obtainAccessToken } from '../../src/embedded/authserver/headless-login.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { connectGoogle } from '../helpers/vault.js';

const EXCHANGE = 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token';
const CIBA = 'urn:openid:params:grant-type:ciba';
const REDIRECT = 'http://127.0.0.1:43999/callback';

/**
 * Attacks on the embedded Auth0 stand-in from clients that are not Gatehouse: every one must fail the
 * way Auth0 refuses it (third-party DCR clients, client grants, the Custom API Client, CIBA per client).
 */
describe('third-party clients cannot get what only first-party clients may have', () => {
  let gh: TestGatehouse;
  let aliceIdentityOnly: string;
  let registration: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    expect(await connectGoogle(gh, 'alice')).toMatchObject({ ok: true });
    aliceIdentityOnly = await tokenFor(gh, 'alice', 'identity:read');
    registration = `${gh.issuer}/oidc/register`;
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const register = async (metadata: Record<string, unknown>) => {
    const res = await fetch(registration, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const tokenRequest = async (params: Record<string, string>) => {
    const res = await fetch(`${gh.issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const exchange = (client: Record<string, string>, subjectToken: string) =>
    tokenRequest({
      grant_type: EXCHANGE,
      ...client,
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'http://auth0.com/oauth/token-type/federated-connection-access-token',
      connection: 'google-oauth2',
    });

  const serverTokens = async (clientId: string, clientSecret: string | undefined, redirectUri: string, resource: string, scope: string) => {
    const config = await oidc.discovery(new URL(gh.issuer), clientId, undefined, clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope, resource, state, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource });
    return tokens;
  };
  const serverCallback = () => `${new URL(gh.mcpUrl).origin}/connect/callback`;

  describe('vault exfiltration (critical)', () => {
    it('DCR refuses a registration with the Token Vault grant', async () => {
      const r = await register({ client_name: 'Mail helper', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code', EXCHANGE], response_types: ['code'] });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_client_metadata');
    });

    it('the CLI (public, first-party) presenting alice\'s access token is unauthorized_client', async () => {
      const r = await exchange({ client_id: 'gatehouse-cli' }, aliceIdentityOnly);
      expect(r.status).toBe(403);
      expect(r.body.error).toBe('unauthorized_client');
      expect(r.body.access_token).toBeUndefined();
    });

    it('Gatehouse\'s server client (not the Custom API Client) presenting alice\'s access token is unauthorized_client', async () => {
      const { clientId, clientSecret } = gh.authServer!.serverClient;
      const r = await exchange({ client_id: clientId, client_secret: clientSecret }, aliceIdentityOnly);
      expect(r.status).toBe(403);
      expect(r.body.error).toBe('unauthorized_client');
      expect(r.body.access_token).toBeUndefined();
    });

    it('the Custom API Client linked to the MCP API exchanges alice\'s token (form and JSON bodies)', async () => {
      const { clientId, clientSecret } = gh.authServer!.customApiClient;
      const form = await exchange({ client_id: clientId, client_secret: clientSecret }, aliceIdentityOnly);
      expect(form.status).toBe(200);
      expect(form.body).toMatchObject({ token_type: 'Bearer', issued_token_type: 'http://auth0.com/oauth/token-type/federated-connection-access-token' });
      const res = await fetch(`${gh.issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: EXCHANGE, client_id: clientId, client_secret: clientSecret, subject_token: aliceIdentityOnly, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', connection: 'google-oauth2' }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { access_token?: unknown }).access_token).toEqual(expect.any(String));
    });

    it('the Custom API Client cannot exchange a token for another API (My Account) or a forged one', async () => {
      const server = gh.authServer!.serverClient;
      const myAccount = (await serverTokens(server.clientId, server.clientSecret, serverCallback(), new URL('/me/', gh.issuer).href, 'read:me:connected_accounts')).access_token;
      const { clientId, clientSecret } = gh.authServer!.customApiClient;
      for (const token of [myAccount, 'eyJhbGciOiJIUzI1NiJ9.e30.x']) {
        const r = await exchange({ client_id: clientId, client_secret: clientSecret }, token);
        expect(r.status).toBe(400);
        expect(r.body.error).toBe('invalid_grant');
      }
    });
  });

  describe('refresh token as subject (Auth0 accepts it from the client the token was issued to)', () => {
    const exchangeRefresh = (client: Record<string, string>, refreshToken: string) =>
      tokenRequest({ grant_type: EXCHANGE, ...client, subject_token: refreshToken, subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token', connection: 'google-oauth2' });

    it('the server client exchanges its own refresh token; nobody else\'s', async () => {
      const { clientId, clientSecret } = gh.authServer!.serverClient;
      const own = (await serverTokens(clientId, clientSecret, serverCallback(), gh.mcpUrl, 'openid offline_access identity:read')).refresh_token!;
      const ok = await exchangeRefresh({ client_id: clientId, client_secret: clientSecret }, own);
      expect(ok.status).toBe(200);
      expect(ok.body.access_token).toEqual(expect.any(String));

      const cli = (await obtainAccessToken({ issuer: gh.issuer, resource: gh.mcpUrl, user: 'alice', password: 'alice-demo-pw', scope: 'identity:read offline_access' })).refreshToken!;
      const foreign = await exchangeRefresh({ client_id: clientId, client_secret: clientSecret }, cli);
      expect(foreign.status).toBe(400);
      expect(foreign.body.error).toBe('invalid_grant');
      const api = gh.authServer!.customApiClient;
      const stolen = await exchangeRefresh({ client_id: api.clientId, client_secret: api.clientSecret }, own);
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe('invalid_grant');
    });
  });

  describe('machine clients from DCR (high)', () => {
    it('DCR refuses a confidential client_credentials registration', async () => {
      const r = await register({ client_name: 'Nightly agent', token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_client_metadata');
    });

    it('DCR refuses any grant other than authorization_code and refresh_token', async () => {
      for (const grant of ['implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange']) {
        const r = await register({ client_name: 'x', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code', grant], response_types: ['code'] });
        expect(r.status, grant).toBe(400);
        expect(r.body.error, grant).toBe('invalid_client_metadata');
      }
    });

    it('a first-party client without a client grant for the API gets no client_credentials token', async () => {
      const { clientId, clientSecret } = gh.authServer!.serverClient;
      const r = await tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, resource: gh.mcpUrl, scope: 'purchases:create' });
      expect(r.status).toBe(403);
      expect(r.body.error).toBe('unauthorized_client');
      expect(r.body.access_token).toBeUndefined();
    });
  });

  describe('approval phishing (high)', () => {
    it('DCR refuses a registration with the CIBA grant (even named "Gatehouse")', async () => {
      const r = await register({ client_name: 'Gatehouse', token_endpoint_auth_method: 'client_secret_post', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', response_types: [], redirect_uris: [] });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_client_metadata');
    });

    it('/bc-authorize from a registered confidential client without the CIBA grant is unauthorized_client', async () => {
      const r = await register({ client_name: 'Gatehouse', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code'], response_types: ['code'] });
      expect(r.status).toBe(201);
      const res = await fetch(`${gh.issuer}/bc-authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: r.body.client_id as string,
          client_secret: r.body.client_secret as string,
          login_hint: JSON.stringify({ format: 'iss_sub', iss: gh.issuer, sub: 'alice' }),
          scope: 'openid',
          binding_message: 'Approve the transfer',
        }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
      const pending = gh.db.prepare("SELECT COUNT(*) AS n FROM oidc_models WHERE model = 'BackchannelAuthenticationRequest'").get() as { n: number };
      expect(pending.n).toBe(0);
    });

    it('/bc-authorize from the Custom API Client (no CIBA grant) is unauthorized_client', async () => {
      const { clientId, clientSecret } = gh.authServer!.customApiClient;
      const res = await fetch(`${gh.issuer}/bc-authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, login_hint: JSON.stringify({ format: 'iss_sub', iss: gh.issuer, sub: 'alice' }), scope: 'openid', binding_message: 'hello' }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
    });
  });

  describe('refresh tokens only with offline_access (low)', () => {
    it('the CLI gets no refresh token unless it asks for offline_access', async () => {
      const user = { issuer: gh.issuer, resource: gh.mcpUrl, user: 'alice', password: 'alice-demo-pw' };
      expect((await obtainAccessToken({ ...user, scope: 'identity:read' })).refreshToken).toBeUndefined();
      expect((await obtainAccessToken({ ...user, scope: 'identity:read offline_access' })).refreshToken).toEqual(expect.any(String));
    });

    it('a DCR client (MCP SDK shape) gets no refresh token without offline_access, and one with it', async () => {
      const r = await register({ client_name: 'MCP client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
      expect(r.status).toBe(201);
      const config = await oidc.discovery(new URL(gh.issuer), r.body.client_id as string, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      for (const [scope, expected] of [['identity:read', undefined], ['identity:read offline_access', expect.any(String)]] as const) {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, resource: gh.mcpUrl, state, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
        const callback = await authorizeHeadlessly(url, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT });
        const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: gh.mcpUrl });
        expect(tokens.refresh_token, scope).toEqual(expected);
      }
    });
  });
});
