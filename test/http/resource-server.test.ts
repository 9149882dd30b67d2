import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, initialize, rawPost, rpc, tokenFor } from '../helpers/mcp-client.js';

describe('resource server HTTP surface', () => {
  let gh: TestGatehouse;
  let token: string;
  let origin: string;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_BODY_LIMIT: '4kb' });
    origin = new URL(gh.mcpUrl).origin;
    token = await tokenFor(gh, 'alice');
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('serves protected resource metadata at the path-inserted and the root location', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { scopes_supported: string[] };
      expect(doc).toEqual({
        resource: gh.mcpUrl,
        authorization_servers: [gh.issuer],
        scopes_supported: ['identity:read', 'docs:read', 'calendar:read', 'calendar:write', 'email:send', 'purchases:create'],
        bearer_methods_supported: ['header'],
        resource_name: 'Gatehouse',
      });
      expect(doc.scopes_supported).not.toContain('offline_access');
    }
  });

  it('the advertised authorization server publishes metadata the resource trusts', async () => {
    const as = (await (await fetch(`${gh.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as.issuer).toBe(gh.issuer);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.registration_endpoint).toBeTruthy();
  });

  it('rejects a foreign Host (DNS rebinding) before authentication', async () => {
    const res = await rawPost(gh.mcpUrl, initialize, { host: 'evil.example.com', authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Host header not allowed.' }, id: null });
  });

  it('rejects a foreign Origin, accepts loopback origins', async () => {
    const bad = await rpc(gh.mcpUrl, initialize, { origin: 'http://evil.example.com', authorization: `Bearer ${token}` });
    expect(bad.status).toBe(403);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('Forbidden: Origin not allowed.');
    const good = await rpc(gh.mcpUrl, callTool('whoami'), { origin: 'http://localhost:6274', authorization: `Bearer ${token}` });
    expect(good.status).toBe(200);
    expect(good.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
  });

  it('answers CORS preflights and exposes WWW-Authenticate to browser clients', async () => {
    const pre = await fetch(gh.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization');
    const unauth = await rpc(gh.mcpUrl, initialize, { origin: 'http://localhost:6274' });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  it('malformed JSON is a JSON-RPC parse error (400) and changes nothing', async () => {
    const before = gh.audit.recent(1)[0]?.seq ?? 0;
    const res = await fetch(gh.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: '{"jsonrpc":"2.0",',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not valid JSON.' }, id: null });
    expect(gh.audit.recent(1)[0]?.seq ?? 0).toBe(before);
  });

  it('an oversized body is refused with 413', async () => {
    const res = await rpc(gh.mcpUrl, callTool('whoami', { pad: 'x'.repeat(10_000) }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Request body too large.');
  });

  it('invalid tool arguments are refused with a clear tool error, and the tool does not run', async () => {
    const res = await rpc(gh.mcpUrl, callTool('whoami', { unexpected: 1 }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"isError":true');
    expect(text).toContain('Input validation error');
  });

  it('unknown tools and methods are JSON-RPC errors', async () => {
    const res = await rpc(gh.mcpUrl, callTool('no_such_tool'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/no_such_tool/);
  });

  it('GET and DELETE /mcp are 405 on this stateless server (after authentication)', async () => {
    expect((await fetch(gh.mcpUrl)).status).toBe(401);
    const get = await fetch(gh.mcpUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('health endpoint', async () => {
    expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});

describe('fail closed when the authorization server is unreachable', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    // An Auth0 tenant nobody answers for: discovery and JWKS cannot be fetched.
    gh = await startTestGatehouse({ AUTH0_DOMAIN: '127.0.0.1:9' });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('answers 503 with a clear reason, never a pass', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const t = await new SignJWT({ scope: 'identity:read', client_id: 'x' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'k' })
      .setIssuer('https://127.0.0.1:9/')
      .setAudience(gh.mcpUrl)
      .setSubject('auth0|x')
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${t}` });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'The authorization server cannot be reached right now.' });
    expect(gh.authServer).toBeUndefined();
    expect(gh.issuer).toBe('https://127.0.0.1:9/');
  });
});
