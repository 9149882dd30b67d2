import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoami } from '../../src/tools/catalog/identity.js';
import { defineTool } from '../../src/tools/define.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, HeadlessOAuthProvider, rpc, tokenFor } from '../helpers/mcp-client.js';

/** A tool that needs a scope outside the baseline, so first-contact tokens lack it. */
const notesSent: string[] = [];
const sendNote = defineTool({
  name: 'send_note',
  description: 'test tool needing email:send',
  input: z.object({ text: z.string().max(100) }).strict(),
  scopes: ['email:send'],
  risk: 'medium',
  async run(args) {
    notesSent.push(args.text);
    return { text: `sent: ${args.text}` };
  },
});

describe('step-up: a token lacking a tool scope gets 403 insufficient_scope, re-authorization fixes it', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({}, { tools: [whoami, sendNote] });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('answers tools/call with an HTTP 403 challenge listing every scope needed', async () => {
    const token = await tokenFor(gh, 'alice');
    const res = await rpc(gh.mcpUrl, callTool('send_note', { text: 'hi' }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="identity:read docs:read calendar:read email:send", resource_metadata="${new URL(gh.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp", error_description="The access token lacks a scope this call needs."`,
    );
    expect(await res.json()).toEqual({ error: 'insufficient_scope', error_description: 'The access token lacks a scope this call needs.' });
    // A call the token does cover is unaffected.
    expect((await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('the step-up is audited, and nothing ran', async () => {
    const last = (await gh.audit.recent(5)).find((e) => e.event === 'step_up');
    expect(last?.data).toMatchObject({ sub: 'alice', required: ['identity:read', 'docs:read', 'calendar:read', 'email:send'] });
    expect(notesSent).toEqual([]);
    expect((await gh.audit.recent(50)).filter((e) => e.event === 'tool_call' && e.data.tool === 'send_note' && e.data.result === 'ok')).toEqual([]);
  });

  it('the SDK client re-authorizes with the challenged scopes and the call succeeds', async () => {
    // The SDK (1.32) tries its refresh token first on a 403, and a refresh can never widen a grant
    // (RFC 6749 §6), so it would loop on the same scopes. A client without a refresh token — the
    // case this test models — goes straight to a new authorization request with the new scopes.
    const provider = new HeadlessOAuthProvider('alice', { keepRefreshToken: false });
    const t1 = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
    await expect(new Client({ name: 's', version: '1' }).connect(t1)).rejects.toBeInstanceOf(UnauthorizedError);
    await t1.finishAuth(provider.lastCallback!.searchParams.get('code')!);
    expect(decodeJwt(provider.saved!.access_token).scope).toBe('identity:read docs:read calendar:read');

    const client = new Client({ name: 's', version: '1' });
    const t2 = new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider });
    await client.connect(t2);
    // 403 -> the SDK starts a new authorization with the challenged scopes -> our headless browser logs in.
    await expect(client.callTool({ name: 'send_note', arguments: { text: 'hi' } })).rejects.toBeInstanceOf(UnauthorizedError);
    const stepUp = provider.authorizations.at(-1)!;
    expect(stepUp.searchParams.get('scope')).toBe('identity:read docs:read calendar:read email:send');
    await t2.finishAuth(provider.lastCallback!.searchParams.get('code')!);
    expect(decodeJwt(provider.saved!.access_token).scope).toBe('identity:read docs:read calendar:read email:send');

    const client2 = new Client({ name: 's', version: '1' });
    await client2.connect(new StreamableHTTPClientTransport(new URL(gh.mcpUrl), { authProvider: provider }));
    const result = await client2.callTool({ name: 'send_note', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'sent: hi' }]);
    // whoami still works with the stepped-up token: the challenge never drops scopes the client had.
    expect((await client2.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    await client2.close();
  });
});
