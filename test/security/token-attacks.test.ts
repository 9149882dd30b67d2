import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { createHmac, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainAccessToken } from '../../src/embedded/authserver/headless-login.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, initialize, rpc, tokenFor } from '../helpers/mcp-client.js';

/**
 * Every forged, stolen or misdirected token is refused with 401 and an RFC 6750 challenge that
 * points at our protected resource metadata. Tokens are signed with the deployment's real key
 * (read from its key file) so that each case isolates exactly one defect.
 */
describe('token attack matrix', () => {
  let gh: TestGatehouse;
  let realKey: JWK;
  let good: string;
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  beforeAll(async () => {
    gh = await startTestGatehouse();
    realKey = JSON.parse(readFileSync(join(gh.dataDir, 'keys', 'authserver.signing-key.rs256.key'), 'utf8'));
    good = await tokenFor(gh, 'alice');
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const claims = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: gh.issuer, aud: gh.mcpUrl, sub: 'alice', client_id: 'gatehouse-cli', scope: 'identity:read', iat: now, exp: now + 300 };
  };
  const signReal = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: realKey.kid, ...header }).sign(await importJWK(realKey, 'RS256'));

  async function expectRejected(token: string, description: string | RegExp, url = gh.mcpUrl) {
    const res = await rpc(url, initialize, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    const header = res.headers.get('www-authenticate')!;
    expect(header).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="[^"]+", scope="[^"]+"$/);
    expect(header).toContain(`resource_metadata="${new URL(gh.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp"`);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_token');
    expect(body.error_description).toMatch(description);
  }

  it('control: the real token is accepted', async () => {
    const res = await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${good}` });
    expect(res.status).toBe(200);
    const forged = await signReal(claims());
    expect((await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${forged}` })).status).toBe(200);
  });

  it('no token: 401 with resource_metadata and scope, and no error code', async () => {
    const res = await rpc(gh.mcpUrl, initialize);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${new URL(gh.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp", scope="identity:read docs:read calendar:read"`,
    );
  });

  it('alg none', async () => {
    await expectRejected(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`, 'The access token uses a disallowed algorithm.');
  });

  it('HS256 signed with the public key as the HMAC secret', async () => {
    const pem = createPublicKey({ key: { ...realKey, d: undefined, p: undefined, q: undefined, dp: undefined, dq: undefined, qi: undefined } as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const head = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: realKey.kid })}.${b64(claims())}`;
    const sig = createHmac('sha256', pem).update(head).digest('base64url');
    await expectRejected(`${head}.${sig}`, 'The access token uses a disallowed algorithm.');
  });

  it('wrong issuer', async () => {
    await expectRejected(await signReal({ ...claims(), iss: 'https://evil.example/' }), 'The access token was issued by an untrusted issuer.');
  });

  it('wrong audience (the client id, as in an ID token)', async () => {
    await expectRejected(await signReal({ ...claims(), aud: 'gatehouse-cli' }), 'The access token was not issued for this resource.');
  });

  it('a token for another resource on the same authorization server', async () => {
    await expectRejected(await signReal({ ...claims(), aud: 'http://127.0.0.1:1/mcp' }), 'The access token was not issued for this resource.');
    await expectRejected(await signReal({ ...claims(), aud: `${gh.mcpUrl}/` }), 'The access token was not issued for this resource.');
  });

  it('expired (beyond the clock skew)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(await signReal({ ...claims(), iat: now - 3600, exp: now - 120 }), 'The access token has expired.');
  });

  it('nbf in the future (beyond the clock skew)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(await signReal({ ...claims(), nbf: now + 600 }), 'The access token is not valid yet.');
  });

  it('unknown kid (a key the authorization server never published)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const t = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'attacker-key' }).sign(privateKey);
    await expectRejected(t, 'The access token was signed with an unknown key.');
  });

  it('an attacker key that reuses the real kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const t = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: realKey.kid }).sign(privateKey);
    await expectRejected(t, 'The access token signature is invalid.');
  });

  it('tampered payload (scope widened on a real token)', async () => {
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.scope = 'identity:read docs:read email:send purchases:create';
    await expectRejected(`${h}.${b64(payload)}.${s}`, 'The access token signature is invalid.');
  });

  it('an ID token used as an access token', async () => {
    const u = await obtainAccessToken({ issuer: gh.issuer, resource: gh.mcpUrl, user: 'alice', password: 'alice-demo-pw', scope: 'openid identity:read' });
    expect(u.idToken).toBeTruthy();
    await expectRejected(u.idToken!, /not issued for this resource|not an access token/);
  });

  it('a JWT typed as something else (e.g. a logout token) with the real key', async () => {
    await expectRejected(await signReal(claims(), { typ: 'logout+jwt' }), 'The token is not an access token.');
  });

  it('the token in the query string is refused even when it is valid', async () => {
    await expectRejected(good, 'Send the access token in the Authorization header, never in the URL.', `${gh.mcpUrl}?access_token=${good}`);
    const res = await rpc(`${gh.mcpUrl}?access_token=${good}`, initialize);
    expect(res.status).toBe(401);
  });

  it('garbage and a non-Bearer scheme', async () => {
    await expectRejected('not-a-jwt', 'The access token is malformed.');
    const res = await rpc(gh.mcpUrl, initialize, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
  });

  it('never echoes the presented token', async () => {
    const res = await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${good}x` });
    expect(res.status).toBe(401);
    const text = (res.headers.get('www-authenticate') ?? '') + (await res.text());
    expect(text).not.toContain(good.slice(20, 60));
  });
});

/**
 * The same edge on a clock the test moves: the exact 30 s skew, and a token remembered by the
 * verified-token cache is refused once its `exp` (plus skew) has passed, inside the cache's 60 s TTL.
 */
describe('token lifetime at the HTTP edge (frozen clock)', () => {
  let gh: TestGatehouse;
  let realKey: JWK;
  let nowMs = Date.now();
  const t0 = Math.floor(nowMs / 1000);

  beforeAll(async () => {
    gh = await startTestGatehouse({}, { tokenNow: () => new Date(nowMs) });
    realKey = JSON.parse(readFileSync(join(gh.dataDir, 'keys', 'authserver.signing-key.rs256.key'), 'utf8'));
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const token = async (over: Record<string, unknown>) =>
    new SignJWT({ iss: gh.issuer, aud: gh.mcpUrl, sub: 'alice', client_id: 'gatehouse-cli', scope: 'identity:read', iat: t0 - 60, exp: t0 + 300, ...over })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: realKey.kid })
      .sign(await importJWK(realKey, 'RS256'));
  const whoami = (t: string) => rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${t}` });
  const challenge = (description: string) =>
    `Bearer error="invalid_token", error_description="${description}", resource_metadata="${new URL(gh.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp", scope="identity:read docs:read calendar:read"`;

  async function expectRefused(res: Response, description: string) {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(challenge(description));
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: description });
  }

  it('exp 29 s ago is accepted, 31 s ago refused', async () => {
    nowMs = t0 * 1000;
    expect((await whoami(await token({ exp: t0 - 29 }))).status).toBe(200);
    await expectRefused(await whoami(await token({ exp: t0 - 31 })), 'The access token has expired.');
  });

  it('nbf 29 s ahead is accepted, 31 s ahead refused', async () => {
    nowMs = t0 * 1000;
    expect((await whoami(await token({ nbf: t0 + 29 }))).status).toBe(200);
    await expectRefused(await whoami(await token({ nbf: t0 + 31 })), 'The access token is not valid yet.');
  });

  it('a cached token is refused once past its exp, within the cache TTL', async () => {
    nowMs = t0 * 1000;
    const t = await token({ exp: t0 + 10 });
    expect((await whoami(t)).status).toBe(200);
    nowMs = (t0 + 10 + 29) * 1000;
    expect((await whoami(t)).status).toBe(200);
    nowMs = (t0 + 10 + 31) * 1000; // 41 s after the first use: the entry is still inside its 60 s TTL
    await expectRefused(await whoami(t), 'The access token has expired.');
  });
});
