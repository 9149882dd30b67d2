import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAuthServer, type AuthServerFixture } from './bootstrap.js';

let fx: AuthServerFixture;
beforeAll(async () => {
  fx = await bootstrapAuthServer();
});
afterAll(async () => fx?.close());

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function devKeystoreModuli(): Promise<string[]> {
  const main = createRequire(import.meta.url).resolve('oidc-provider');
  const file = join(dirname(main), 'consts', 'dev_keystore.js');
  const dev = (await import(pathToFileURL(file).href)) as { default: { keys: { n?: string }[] } };
  return dev.default.keys.map((k) => k.n).filter((n): n is string => !!n);
}

describe('discovery and JWKS', () => {
  it('serves OpenID and RFC 8414 metadata at the root of its port', async () => {
    const { issuer } = fx.server;
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const meta = await getJson(`${issuer}${path}`);
      expect(meta).toMatchObject({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        registration_endpoint: `${issuer}/oidc/register`,
        code_challenge_methods_supported: ['S256'],
      });
      expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
      expect(meta.scopes_supported).toEqual(expect.arrayContaining(['identity:read', 'email:send']));
    }
  });

  it('publishes one persisted RS256 public key, not a development key, the same after a restart', async () => {
    const { keys } = (await getJson(`${fx.server.issuer}/.well-known/jwks.json`)) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(key!.kid).toEqual(expect.any(String));
    expect(key!.d).toBeUndefined();
    expect(await devKeystoreModuli()).not.toContain(key!.n);

    await fx.restart();
    const after = (await getJson(`${fx.server.issuer}/.well-known/jwks.json`)) as { keys: Record<string, unknown>[] };
    expect(after.keys.map((k) => k.kid)).toEqual([key!.kid]);
    expect(after.keys[0]!.n).toBe(key!.n);
  });

  it('generates a different key for a different deployment (database)', async () => {
    const other = await bootstrapAuthServer();
    try {
      const a = (await getJson(`${fx.server.issuer}/.well-known/jwks.json`)) as { keys: { kid: string }[] };
      const b = (await getJson(`${other.server.issuer}/.well-known/jwks.json`)) as { keys: { kid: string }[] };
      expect(a.keys[0]!.kid).not.toBe(b.keys[0]!.kid);
    } finally {
      await other.close();
    }
  });

});
