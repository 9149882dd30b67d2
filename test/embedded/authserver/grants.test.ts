import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainAccessToken } from '../../../src/embedded/authserver/headless-login.js';
import { CLI_CLIENT_ID } from '../../../src/embedded/authserver/index.js';
import { bootstrapAuthServer, verifyAccessToken, MCP_URL, scopesOf, type AuthServerFixture } from './bootstrap.js';
import { discover, registerClient } from './clients.js';

let fx: AuthServerFixture;
beforeAll(async () => {
  fx = await bootstrapAuthServer();
});
afterAll(async () => fx?.close());

const verify = (token: string) => verifyAccessToken(fx, token);

async function registerMachineClient() {
  return registerClient(fx.server.issuer, {
    client_name: 'Nightly report agent',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  });
}

describe('refresh_token and client_credentials grants', () => {
  it('refreshes a public client token (no offline_access needed) into a new JWT with the same scopes', async () => {
    const first = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'alice', password: 'alice-demo-pw', scope: 'identity:read docs:read' });
    const config = await discover(fx.server.issuer, CLI_CLIENT_ID);
    const refreshed = await oidc.refreshTokenGrant(config, first.refreshToken!, { resource: MCP_URL });
    const { payload } = await verify(refreshed.access_token);
    expect(payload).toMatchObject({ sub: 'alice', azp: CLI_CLIENT_ID, org_id: 'org_acme' });
    expect(scopesOf(payload)).toEqual(['docs:read', 'identity:read']);
    expect(refreshed.refresh_token).toBeTruthy();
  });

  it('client_credentials with `resource` yields an Auth0-style machine token', async () => {
    const client = await registerMachineClient();
    const config = await discover(fx.server.issuer, client.client_id, client.client_secret);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: MCP_URL, scope: 'docs:read' });
    const { payload, protectedHeader } = await verify(tokens.access_token);
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({
      iss: fx.server.issuer,
      aud: MCP_URL,
      sub: `${client.client_id}@clients`,
      azp: client.client_id,
      client_id: client.client_id,
      gty: 'client-credentials',
      scope: 'docs:read',
    });
    expect(payload.org_id).toBeUndefined();
  });

  it('client_credentials for an unknown resource is invalid_target', async () => {
    const client = await registerMachineClient();
    const config = await discover(fx.server.issuer, client.client_id, client.client_secret);
    await expect(oidc.clientCredentialsGrant(config, { resource: 'https://other.example/api' })).rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('keeps clients, grants and refresh tokens across a restart on the same database', async () => {
    const user = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'bob', password: 'bob-demo-pw' });
    const machine = await registerMachineClient();

    await fx.restart();

    const cli = await discover(fx.server.issuer, CLI_CLIENT_ID);
    const refreshed = await oidc.refreshTokenGrant(cli, user.refreshToken!, { resource: MCP_URL });
    expect((await verify(refreshed.access_token)).payload.sub).toBe('bob');

    const config = await discover(fx.server.issuer, machine.client_id, machine.client_secret);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: MCP_URL });
    expect((await verify(tokens.access_token)).payload.sub).toBe(`${machine.client_id}@clients`);
  });

  it('a revoked refresh token stops working', async () => {
    const tokens = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'carol', password: 'carol-demo-pw' });
    const config = await discover(fx.server.issuer, CLI_CLIENT_ID);
    await oidc.tokenRevocation(config, tokens.refreshToken!);
    await expect(oidc.refreshTokenGrant(config, tokens.refreshToken!, { resource: MCP_URL })).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
