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
    const before = (await gh.audit.recent(1))[0]?.seq ?? 0;
    const res = await fetch(gh.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: '{"jsonrpc":"2.0",',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not valid JSON.' }, id: null });
    expect((await gh.audit.recent(1))[0]?.seq ?? 0).toBe(before);
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

  it('an unknown tool is a -32602 error naming it (the SDK v2 line, as the specification says); the refusal is audited and nothing ran', async () => {
    const before = (await gh.audit.recent(1))[0]?.seq ?? 0;
    const res = await rpc(gh.mcpUrl, callTool('no_such_tool'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const body = parseRpc(await res.text()) as { id: number; error: { code: number; message: string } };
    expect(body.id).toBe(2);
    expect(body.error).toEqual({ code: -32602, message: 'Tool no_such_tool not found' });
    const after = (await gh.audit.recent(50)).filter((e) => e.seq > before);
    expect(after.map((e) => [e.event, e.data.reason, e.data.tool])).toEqual([['call_rejected', 'unknown_tool', 'no_such_tool']]);
  });

  it('an unknown JSON-RPC method is -32601 Method not found', async () => {
    const res = await rpc(gh.mcpUrl, { jsonrpc: '2.0', id: 7, method: 'tools/destroy', params: {} }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(parseRpc(await res.text())).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found' } });
  });

  it('GET and DELETE /mcp are 405 with Allow: POST on this stateless server (after authentication)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const anonymous = await fetch(gh.mcpUrl, { method });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="/);
      const res = await fetch(gh.mcpUrl, { method, headers: { authorization: `Bearer ${token}`, 'mcp-session-id': 'any' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; use POST.' }, id: null });
    }
  });

  it('other HTTP methods on /mcp are 405 with Allow: POST too, never a 404 or a pass', async () => {
    for (const method of ['PUT', 'PATCH']) {
      expect((await fetch(gh.mcpUrl, { method, body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
      const res = await fetch(gh.mcpUrl, { method, body: JSON.stringify(callTool('whoami')), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; use POST.' }, id: null });
    }
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

/** A JSON-RPC answer, sent either as JSON or as one SSE message. */
function parseRpc(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('{')) return JSON.parse(t);
  const data = t.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  expect(data).toHaveLength(1);
  return JSON.parse(data[0]!);
}
