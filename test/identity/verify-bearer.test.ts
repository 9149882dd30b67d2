import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTokenError, UpstreamUnavailableError } from '../../src/errors.js';
import { createTokenVerifier } from '../../src/identity/verify-bearer.js';

/** A real issuer on loopback: discovery + a JWKS we can rotate, counting fetches. */
describe('verify-bearer: JWKS caching, rotation and outages', () => {
  let server: Server;
  let issuer: string;
  let published: JWK[] = [];
  let jwksFetches = 0;
  let up = true;
  const keys: Record<string, { priv: CryptoKey; pub: JWK }> = {};

  const makeKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    keys[kid] = { priv: privateKey, pub: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  };
  const sign = (kid: string, over: Record<string, unknown> = {}) =>
    new SignJWT({ scope: 'identity:read', client_id: 'c1', ...over })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(`${issuer}/`)
      .setAudience(['http://127.0.0.1:9/mcp', `${issuer}/userinfo`])
      .setSubject('auth0|u1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(keys[kid]!.priv);

  beforeAll(async () => {
    await Promise.all(['k1', 'k2', 'k3'].map(makeKey));
    published = [keys.k1!.pub];
    server = createServer((req, res) => {
      if (!up) return void res.writeHead(503).end();
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${issuer}/`, jwks_uri: `${issuer}/.well-known/jwks.json` }));
      } else if (req.url === '/.well-known/jwks.json') {
        jwksFetches++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts Auth0-shaped tokens (typ JWT, aud array, trailing-slash issuer) and caches the JWKS', async () => {
    const v = createTokenVerifier({ issuer: `${issuer}/`, audience: 'http://127.0.0.1:9/mcp', clockSkewSeconds: 30 });
    const before = jwksFetches;
    const caller = await v.verify(await sign('k1', { org_id: 'org_1', permissions: ['identity:read'] }));
    expect(caller).toMatchObject({ kind: 'user', sub: 'auth0|u1', clientId: 'c1', orgId: 'org_1', scopes: ['identity:read'], permissions: ['identity:read'] });
    await v.verify(await sign('k1'));
    await v.verify(await sign('k1'));
    expect(jwksFetches - before).toBe(1);
  });

  it('recognises a client-credentials token as a client caller', async () => {
    const v = createTokenVerifier({ issuer: `${issuer}/`, audience: 'http://127.0.0.1:9/mcp', clockSkewSeconds: 30 });
    const caller = await v.verify(await sign('k1', { gty: 'client-credentials', sub: 'c1@clients', azp: 'c1', client_id: undefined }));
    expect(caller.kind).toBe('client');
    expect(caller.clientId).toBe('c1');
  });

  it('a rotated key (unknown kid) triggers one refetch; a second unknown kid inside the cooldown does not', async () => {
    const v = createTokenVerifier({ issuer: `${issuer}/`, audience: 'http://127.0.0.1:9/mcp', clockSkewSeconds: 30, jwksCooldownMs: 300 });
    await v.verify(await sign('k1'));
    await new Promise((r) => setTimeout(r, 350));
    const before = jwksFetches;
    published = [keys.k1!.pub, keys.k2!.pub];
    await expect(v.verify(await sign('k2'))).resolves.toMatchObject({ sub: 'auth0|u1' });
    expect(jwksFetches - before).toBe(1);
    await expect(v.verify(await sign('k3'))).rejects.toThrow(new InvalidTokenError('The access token was signed with an unknown key.'));
    await expect(v.verify(await sign('k3'))).rejects.toBeInstanceOf(InvalidTokenError);
    expect(jwksFetches - before).toBe(1);
  });

  it('issuer unreachable with no cached keys: upstream_unavailable, never a pass', async () => {
    up = false;
    try {
      const v = createTokenVerifier({ issuer: `${issuer}/`, audience: 'http://127.0.0.1:9/mcp', clockSkewSeconds: 30, fetchTimeoutMs: 1000 });
      const err = await v.verify(await sign('k1')).catch((e) => e);
      expect(err).toBeInstanceOf(UpstreamUnavailableError);
      expect(err.code).toBe('upstream_unavailable');
      expect(err.message).toBe('The authorization server cannot be reached right now.');
    } finally {
      up = true;
    }
  });

  it('missing typ header is refused', async () => {
    const v = createTokenVerifier({ issuer: `${issuer}/`, audience: 'http://127.0.0.1:9/mcp', clockSkewSeconds: 30 });
    const t = await new SignJWT({ client_id: 'c1' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(`${issuer}/`).setAudience('http://127.0.0.1:9/mcp').setSubject('u').setExpirationTime('5m').sign(keys.k1!.priv);
    await expect(v.verify(t)).rejects.toThrow('The token is not an access token.');
  });
});

/** A loopback issuer publishing one key per allowed algorithm; the verifier runs on a frozen clock. */
describe('verify-bearer: algorithms, exact clock skew and the verified-token cache', () => {
  let server: Server;
  let issuer: string;
  const audience = 'http://127.0.0.1:9/mcp';
  const algs = ['RS256', 'PS256', 'ES256'] as const;
  const keys = {} as Record<(typeof algs)[number], CryptoKey>;
  const published: JWK[] = [];
  const t0 = 1_800_000_000; // seconds
  let nowMs = t0 * 1000;

  const sign = (alg: (typeof algs)[number], claims: Record<string, unknown> = {}) =>
    new SignJWT({ client_id: 'c1', scope: 'identity:read', sub: 'auth0|u1', iss: `${issuer}/`, aud: audience, iat: t0, exp: t0 + 300, ...claims })
      .setProtectedHeader({ alg, typ: 'at+jwt', kid: alg.toLowerCase() })
      .sign(keys[alg]);
  const verifier = (over: { cacheTtlMs?: number } = {}) =>
    createTokenVerifier({ issuer: `${issuer}/`, audience, clockSkewSeconds: 30, now: () => nowMs, ...over });

  beforeAll(async () => {
    for (const alg of algs) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      keys[alg] = privateKey;
      published.push({ ...(await exportJWK(publicKey)), kid: alg.toLowerCase(), alg, use: 'sig' });
    }
    server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${issuer}/`, jwks_uri: `${issuer}/.well-known/jwks.json` }));
      } else if (req.url === '/.well-known/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(algs)('a %s token signed by a published key is accepted', async (alg) => {
    nowMs = t0 * 1000;
    await expect(verifier({ cacheTtlMs: 0 }).verify(await sign(alg))).resolves.toMatchObject({ kind: 'user', sub: 'auth0|u1', clientId: 'c1', scopes: ['identity:read'] });
  });

  it('exp 29 s ago is accepted, 31 s ago refused (30 s skew)', async () => {
    nowMs = t0 * 1000;
    const v = verifier({ cacheTtlMs: 0 });
    await expect(v.verify(await sign('ES256', { exp: t0 - 29 }))).resolves.toMatchObject({ sub: 'auth0|u1', expiresAt: t0 - 29 });
    const err = await v.verify(await sign('ES256', { exp: t0 - 31 })).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect([err.code, err.message]).toEqual(['invalid_token', 'The access token has expired.']);
  });

  it('nbf 29 s ahead is accepted, 31 s ahead refused (30 s skew)', async () => {
    nowMs = t0 * 1000;
    const v = verifier({ cacheTtlMs: 0 });
    await expect(v.verify(await sign('PS256', { nbf: t0 + 29 }))).resolves.toMatchObject({ sub: 'auth0|u1' });
    const err = await v.verify(await sign('PS256', { nbf: t0 + 31 })).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect([err.code, err.message]).toEqual(['invalid_token', 'The access token is not valid yet.']);
  });

  it('a cached token past its exp (plus skew) is refused on the cache hit, even inside the cache TTL', async () => {
    nowMs = t0 * 1000;
    const v = verifier({ cacheTtlMs: 10 * 60_000 });
    const token = await sign('RS256', { exp: t0 + 60 });
    await expect(v.verify(token)).resolves.toMatchObject({ sub: 'auth0|u1' });
    nowMs = (t0 + 60 + 29) * 1000;
    await expect(v.verify(token)).resolves.toMatchObject({ sub: 'auth0|u1' });
    nowMs = (t0 + 60 + 31) * 1000;
    const err = await v.verify(token).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect([err.code, err.message]).toEqual(['invalid_token', 'The access token has expired.']);
  });
});
