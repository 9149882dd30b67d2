import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainAccessToken } from '../../../src/embedded/authserver/headless-login.js';
import { CLI_CLIENT_ID } from '../../../src/embedded/authserver/index.js';
import { createTokenVerifier } from '../../../src/identity/verify-bearer.js';
import { startTestGatehouse, type TestGatehouse } from '../../helpers/bootstrap.js';
import { tokenFor } from '../../helpers/mcp-client.js';
import { call } from '../../helpers/vault.js';
import { bootstrapAuthServer, MCP_URL, verifyAccessToken, type AuthServerFixture } from './bootstrap.js';

/**
 * The access-token profile of the embedded Auth0: Auth0's default API profile unless the RFC 9068 one is
 * selected. Gatehouse's production verifier (verify-bearer.ts) must accept both shapes.
 */
describe.each(['auth0', 'rfc9068'] as const)('token profile %s', (profile) => {
  let fx: AuthServerFixture;
  beforeAll(async () => {
    fx = await bootstrapAuthServer({ tokenProfile: profile });
  });
  afterAll(async () => fx?.close());

  const login = (scope: string) => obtainAccessToken({ issuer: fx.server.issuer, resource: MCP_URL, user: 'alice', password: 'alice-demo-pw', scope });

  it('header typ and client claims follow the profile', async () => {
    const { accessToken } = await login('identity:read docs:read');
    const { payload, protectedHeader } = await verifyAccessToken(fx, accessToken);
    expect(protectedHeader.typ).toBe(profile === 'auth0' ? 'JWT' : 'at+jwt');
    expect(payload).toMatchObject({ azp: CLI_CLIENT_ID, scope: 'identity:read docs:read', aud: MCP_URL });
    expect(payload.client_id).toBe(profile === 'auth0' ? undefined : CLI_CLIENT_ID);
  });

  it('with openid requested, aud follows the profile (Auth0: [API, <issuer>/userinfo], one slash)', async () => {
    const { accessToken } = await login('openid identity:read');
    const { payload } = await verifyAccessToken(fx, accessToken);
    if (profile === 'auth0') expect(payload.aud).toEqual([MCP_URL, `${fx.server.issuer}/userinfo`]);
    else expect(payload.aud).toBe(MCP_URL);
  });

  it('the production verifier accepts the shape and names the client and scopes', async () => {
    const verifier = createTokenVerifier({ issuer: fx.server.issuer, audience: MCP_URL, clockSkewSeconds: 5 });
    for (const scope of ['identity:read', 'openid identity:read']) {
      const { accessToken } = await login(scope);
      expect(decodeProtectedHeader(accessToken).typ).toBe(profile === 'auth0' ? 'JWT' : 'at+jwt');
      const caller = await verifier.verify(accessToken);
      expect(caller).toMatchObject({ kind: 'user', sub: 'alice', clientId: CLI_CLIENT_ID, scopes: ['identity:read'], orgId: 'org_acme' });
    }
  });
});

describe.each(['auth0', 'rfc9068'] as const)('Gatehouse with the embedded token profile %s', (profile) => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_EMBEDDED_TOKEN_PROFILE: profile });
  });
  afterAll(async () => gh?.stop());

  it('the MCP server accepts the token (with and without openid) and whoami names alice', async () => {
    for (const scope of ['identity:read', 'openid identity:read']) {
      const token = await tokenFor(gh, 'alice', scope);
      expect(decodeProtectedHeader(token).typ).toBe(profile === 'auth0' ? 'JWT' : 'at+jwt');
      const { status, message } = await call(gh, token, 'whoami');
      expect(status).toBe(200);
      expect(message.result?.isError).toBeFalsy();
      expect(JSON.stringify(message.result)).toContain('alice');
    }
  });
});
