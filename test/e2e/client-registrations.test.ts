import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';

/** Registration metadata as real MCP clients send it (RFC 7591 DCR against the embedded Auth0 stand-in). */
const CLIENTS: Record<string, Record<string, unknown>> = {
  'MCP Inspector': {
    redirect_uris: ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    client_name: 'MCP Inspector',
    client_uri: 'https://github.com/modelcontextprotocol/inspector',
    scope: 'identity:read docs:read calendar:read',
  },
  'mcp-remote (Claude Desktop)': {
    redirect_uris: ['http://localhost:12856/oauth/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    client_name: 'MCP CLI Proxy',
    client_uri: 'https://github.com/modelcontextprotocol/mcp-cli',
    software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d',
    software_version: '0.15.1',
  },
  'Claude (hosted connector)': {
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    client_name: 'Claude',
  },
};

describe('dynamic client registration accepts the shapes real MCP clients send', () => {
  let gh: TestGatehouse;
  let registration: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    registration = ((await (await fetch(`${gh.issuer}/.well-known/oauth-authorization-server`)).json()) as { registration_endpoint: string }).registration_endpoint;
  });
  afterAll(async () => {
    await gh?.stop();
  });

  for (const [name, metadata] of Object.entries(CLIENTS)) {
    it(name, async () => {
      const res = await fetch(registration, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(body.client_id).toEqual(expect.any(String));
      expect(body.redirect_uris).toEqual(metadata.redirect_uris);
      expect(body.token_endpoint_auth_method).toBe('none');
    });
  }

  it('a browser client (Inspector web UI) may register cross-origin: preflight and response carry CORS', async () => {
    const pre = await fetch(registration, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toContain('Content-Type');
    const res = await fetch(registration, {
      method: 'POST',
      headers: { origin: 'http://localhost:6274', 'content-type': 'application/json' },
      body: JSON.stringify(CLIENTS['MCP Inspector']),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses a registration with a scope the server does not know', async () => {
    const res = await fetch(registration, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...CLIENTS['MCP Inspector'], scope: 'identity:read admin:everything' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });
});
