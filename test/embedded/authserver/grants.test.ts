import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainAccessToken } from '../../../src/embedded/authserver/headless-login.js';
import { CLI_CLIENT_ID } from '../../../src/embedded/authserver/index.js';
import { bootstrapAuthServer, verifyAccessToken, MACHINE_CLIENT, MCP_URL, UNGRANTED_MACHINE_CLIENT, scopesOf, type AuthServerFixture } from './bootstrap.js';
import { sqliteAdapterFactory } from '../../../src/embedded/authserver/adapter.js';
import { discover } from './clients.js';

let fx: AuthServerFixture;
beforeAll(async () => {
  fx = await bootstrapAuthServer();
});
afterAll(async () => fx?.close());

const verify = (token: string) => verifyAccessToken(fx, token);

const machine = { client_id: MACHINE_CLIENT.clientId, client_secret: MACHINE_CLIENT.clientSecret };
describe('refresh_token and client_credentials grants', () => {
  it('refreshes a public client token (asked with offline_access) into a new JWT with the same scopes', async () => {
    const first = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'alice', password: 'alice-demo-pw', scope: 'identity:read docs:read offline_access' });
    const config = await discover(fx.server.issuer, CLI_CLIENT_ID);
    const refreshed = await oidc.refreshTokenGrant(config, first.refreshToken!, { resource: MCP_URL });
    const { payload } = await verify(refreshed.access_token);
    expect(payload).toMatchObject({ sub: 'alice', azp: CLI_CLIENT_ID, org_id: 'org_acme' });
    expect(scopesOf(payload)).toEqual(['docs:read', 'identity:read']);
    expect(refreshed.refresh_token).toBeTruthy();
  });

  it('client_credentials for a configured client with a client grant yields an Auth0-style machine token with only the granted scopes', async () => {
    const client = machine;
    const config = await discover(fx.server.issuer, client.client_id, client.client_secret);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: MCP_URL, scope: 'docs:read purchases:create email:send' });
    const { payload, protectedHeader } = await verify(tokens.access_token);
    expect(protectedHeader.typ).toBe('JWT');
    expect(payload).toMatchObject({
      iss: fx.server.issuer,
      aud: MCP_URL,
      sub: `${client.client_id}@clients`,
      azp: client.client_id,
      gty: 'client-credentials',
      scope: 'docs:read',
    });
    expect(payload.org_id).toBeUndefined();
    expect(payload.client_id).toBeUndefined();
  });

  it('a machine client without a client grant for the MCP API is 403 unauthorized_client', async () => {
    const res = await fetch(`${fx.server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: UNGRANTED_MACHINE_CLIENT.clientId, client_secret: UNGRANTED_MACHINE_CLIENT.clientSecret, resource: MCP_URL }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: string; access_token?: string };
    expect(body.error).toBe('unauthorized_client');
    expect(body.access_token).toBeUndefined();
  });

  it('client_credentials in JSON (as Auth0 accepts) works like the form', async () => {
    const res = await fetch(`${fx.server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: machine.client_id, client_secret: machine.client_secret, resource: MCP_URL, scope: 'docs:read' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('docs:read');
    expect((await verify(body.access_token)).payload.sub).toBe(`${machine.client_id}@clients`);
  });

  it('a JSON body that is not an object of flat values is invalid_request', async () => {
    for (const body of ['[1,2]', '{"grant_type":{"x":1}}', '{not json']) {
      const res = await fetch(`${fx.server.issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: string }).error, body).toBe('invalid_request');
    }
    const big = await fetch(`${fx.server.issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', pad: 'x'.repeat(20_000) }) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('client_credentials for an unknown resource is invalid_target', async () => {
    const config = await discover(fx.server.issuer, machine.client_id, machine.client_secret);
    await expect(oidc.clientCredentialsGrant(config, { resource: 'https://other.example/api' })).rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('keeps clients, grants and refresh tokens across a restart on the same database', async () => {
    const user = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'bob', password: 'bob-demo-pw', scope: 'identity:read offline_access' });

    await fx.restart();

    const cli = await discover(fx.server.issuer, CLI_CLIENT_ID);
    const refreshed = await oidc.refreshTokenGrant(cli, user.refreshToken!, { resource: MCP_URL });
    expect((await verify(refreshed.access_token)).payload.sub).toBe('bob');

    const config = await discover(fx.server.issuer, machine.client_id, machine.client_secret);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: MCP_URL });
    expect((await verify(tokens.access_token)).payload.sub).toBe(`${machine.client_id}@clients`);
  });

  it('a revoked refresh token stops working', async () => {
    const tokens = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'carol', password: 'carol-demo-pw', scope: 'identity:read offline_access' });
    const config = await discover(fx.server.issuer, CLI_CLIENT_ID);
    await oidc.tokenRevocation(config, tokens.refreshToken!);
    await expect(oidc.refreshTokenGrant(config, tokens.refreshToken!, { resource: MCP_URL })).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('clients stored before the third-party rules', () => {
  it('a stored registered client with a grant third-party clients may not have is refused when it is loaded', async () => {
    const Adapter = sqliteAdapterFactory(fx.db);
    const secret = 'legacy-machine-secret-0123456789abcdefghijklmnopqrstuvwxyz';
    await Adapter('Client').upsert('legacy-machine', {
      client_id: 'legacy-machine',
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    } as never, 0);
    const res = await fetch(`${fx.server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'legacy-machine', client_secret: secret, resource: MCP_URL }),
    });
    const body = (await res.json()) as { error: string; access_token?: string };
    expect({ status: res.status, error: body.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(body.access_token).toBeUndefined();
  });
});
