import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { defineTool } from '../../src/tools/define.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

/**
 * The agent cannot choose whom it acts for: the caller comes only from the verified token. Arguments
 * that name another user are refused by the built-in tools (no such key), and a team's tool that
 * takes a user name as data still runs as the token's user, who is the one audited.
 */
const seen: { caller: string; named: string }[] = [];
const leaveNote = defineTool({
  name: 'leave_note',
  description: 'test tool: leaves a note addressed to a user',
  input: z.object({ user: z.string(), note: z.string() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  async run(a, { caller }) {
    seen.push({ caller: caller.sub, named: a.user });
    return { text: `note from ${caller.sub}`, structured: { from: caller.sub } };
  },
});

describe('identity comes from the token, never from the arguments', () => {
  let gh: TestGatehouse;
  let alice: Client;
  const orders = () => gh.db.prepare('SELECT sub, item FROM demo_orders ORDER BY created_at').all() as { sub: string; item: string }[];

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '0' }, { extraTools: [leaveNote] });
    alice = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'identity:read purchases:create'));
  });
  afterAll(async () => {
    await alice?.close();
    await gh?.stop();
  });

  it('whoami with arguments naming bob is refused; without them it is alice', async () => {
    for (const args of [{ sub: 'bob' }, { user: 'bob' }, { caller: { sub: 'bob' } }]) {
      const r = await alice.callTool({ name: 'whoami', arguments: args });
      expect(r.isError).toBe(true);
      const text = (r.content as { text: string }[])[0]!.text.replace(/^MCP error -32602: /, '');
      expect(text).toBe(`Input validation error: Invalid arguments for tool whoami: Unrecognized key: "${Object.keys(args)[0]}"`);
      expect(r.structuredContent).toBeUndefined();
    }
    const me = await alice.callTool({ name: 'whoami', arguments: {} });
    expect(me.isError).toBeFalsy();
    expect(me.structuredContent).toMatchObject({ kind: 'user', sub: 'alice' });
  });

  it('a purchase whose arguments name bob is refused and places no order; a plain one is placed for alice', async () => {
    const refused = await alice.callTool({ name: 'purchase', arguments: { item: 'Pen', amount: 5, currency: 'USD', merchant: 'Demo Store', sub: 'bob' } });
    expect(refused.isError).toBe(true);
    expect(orders()).toEqual([]);
    const placed = await alice.callTool({ name: 'purchase', arguments: { item: 'Pen', amount: 5, currency: 'USD', merchant: 'Demo Store' } });
    expect(placed.isError).toBeFalsy();
    expect(orders()).toEqual([{ sub: 'alice', item: 'Pen' }]);
  });

  it("a tool that takes a user name as data runs as the token's user, and the audit names the token's user", async () => {
    const r = await alice.callTool({ name: 'leave_note', arguments: { user: 'bob', note: 'hi' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ from: 'alice' });
    expect(seen).toEqual([{ caller: 'alice', named: 'bob' }]);
    const entry = (await gh.audit.recent(5)).find((e) => e.event === 'tool_call' && e.data.tool === 'leave_note')!;
    expect([entry.data.sub, entry.data.result]).toEqual(['alice', 'ok']);
  });
});
