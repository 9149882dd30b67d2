import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';
import { call, week } from '../helpers/vault.js';

const prefixes = (s: string) => s.match(/MCP error -?\d+:/g) ?? [];

async function rejection(p: Promise<unknown>): Promise<McpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

describe('JSON-RPC errors: the "MCP error -NNNNN:" prefix is the client\'s, never part of our message', () => {
  let gh: TestGatehouse;
  let alice: Client;
  let noDocs: Client;
  let aliceToken: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    aliceToken = await tokenFor(gh, 'alice', 'identity:read calendar:read docs:read');
    alice = await connectWithToken(gh.mcpUrl, aliceToken);
    noDocs = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'identity:read'));
  });
  afterAll(async () => {
    await alice?.close();
    await noDocs?.close();
    await gh?.stop();
  });

  it('an unknown document: the SDK client shows "MCP error -32602: Resource not found" with the prefix once; the wire message has none', async () => {
    const err = await rejection(alice.readResource({ uri: 'doc://no-such-document' }));
    expect(err.code).toBe(-32602);
    expect(err.message).toBe('MCP error -32602: Resource not found');
    expect(prefixes(err.message)).toHaveLength(1);
  });

  it('a forged cursor: "MCP error -32602: Invalid cursor", prefix once', async () => {
    const err = await rejection(alice.listResources({ cursor: 'not-a-cursor' }));
    expect(err.code).toBe(-32602);
    expect(err.message).toBe('MCP error -32602: Invalid cursor');
  });

  it('reading documents without docs:read: "MCP error -32600: Reading documents needs the docs:read scope.", prefix once', async () => {
    const err = await rejection(noDocs.readResource({ uri: 'doc://employee-handbook' }));
    expect(err.code).toBe(-32600);
    expect(err.message).toBe('MCP error -32600: Reading documents needs the docs:read scope.');
  });

  it('not connected: the URL elicitation error (-32042) carries the prefix once in the client, none on the wire', async () => {
    const err = await rejection(alice.callTool({ name: 'list_calendar_events', arguments: week() }));
    expect(err).toBeInstanceOf(UrlElicitationRequiredError);
    expect(err.code).toBe(-32042);
    expect(err.message).toMatch(/^MCP error -32042: Connect your Google account to use this tool: open http:\/\/\S+\/connect\/google-oauth2\?ticket=\S+ in your browser, then retry\. \[not_connected\]$/);
    expect(prefixes(err.message)).toHaveLength(1);
    const raw = await call(gh, aliceToken, 'list_calendar_events', week());
    expect(raw.message.error?.code).toBe(-32042);
    expect(raw.message.error!.message).toMatch(/^Connect your Google account to use this tool: /);
    expect(prefixes(raw.message.error!.message)).toHaveLength(0);
  });
});
