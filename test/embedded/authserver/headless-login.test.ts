import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainAccessToken } from '../../../src/embedded/authserver/headless-login.js';
import { CLI_CLIENT_ID } from '../../../src/embedded/authserver/index.js';
import { bootstrapAuthServer, verifyAccessToken, MCP_URL, type AuthServerFixture } from './bootstrap.js';

let fx: AuthServerFixture;
beforeAll(async () => {
  fx = await bootstrapAuthServer();
});
afterAll(async () => fx?.close());

const verify = (token: string) => verifyAccessToken(fx, token);

describe('obtainAccessToken (headless authorization code + PKCE)', () => {
  it('yields an Auth0-shaped JWT access token for the MCP resource, verified against the JWKS', async () => {
    const tokens = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'alice', password: 'alice-demo-pw' });
    const { payload, protectedHeader } = await verify(tokens.accessToken);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: fx.server.issuer,
      aud: MCP_URL,
      sub: 'alice',
      org_id: 'org_acme',
      azp: CLI_CLIENT_ID,
      scope: 'identity:read docs:read calendar:read',
    });
    expect(payload.client_id).toBeUndefined();
    expect(tokens.scope.split(' ').sort()).toEqual(['calendar:read', 'docs:read', 'identity:read']);
    // No offline_access asked, none granted: no refresh token (as Auth0).
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.expiresIn).toBeGreaterThan(3000);
  });

  it('gives exactly the scopes asked for, and a later flow with more scopes (step-up) gets them', async () => {
    const first = await obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'bob', password: 'bob-demo-pw', scope: 'identity:read' });
    expect(decodeJwt(first.accessToken).scope).toBe('identity:read');
    const second = await obtainAccessToken({
      issuer: fx.server.issuer,
      resource: MCP_URL,
      user: 'bob',
      password: 'bob-demo-pw',
      scope: 'openid identity:read email:send purchases:create',
    });
    const { payload } = await verify(second.accessToken);
    expect(String(payload.scope).split(' ').sort()).toEqual(['email:send', 'identity:read', 'purchases:create']);
    expect(second.idToken).toBeTruthy();
  });

  it('fails with a clear error on a wrong password', async () => {
    await expect(obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'alice', password: 'nope' })).rejects.toThrow(
      'login failed for alice: wrong username or password',
    );
    await expect(obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'mallory', password: 'x' })).rejects.toThrow(
      'login failed for mallory: wrong username or password',
    );
  });

  it('refuses an unknown resource', async () => {
    await expect(
      obtainAccessToken({ issuer: fx.server.issuer, resource: 'https://elsewhere.example/api', user: 'alice', password: 'alice-demo-pw' }),
    ).rejects.toThrow(/invalid_target/);
  });
});
