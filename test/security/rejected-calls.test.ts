import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTool } from '../../src/tools/define.js';
import { argumentDigest } from '../../src/approvals/argument-digest.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { errorCodeOf, textOf } from '../helpers/approvals.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';
import { machineToken } from '../helpers/tokens.js';

/**
 * Calls refused before they could be considered (unknown tool, invalid arguments, over the rate limit)
 * leave a `call_rejected` audit entry; a call refused by the callers gate is audited as a tool call with
 * that gate's decision. None of
 * them records the arguments themselves. A machine client cannot call a tool that serves users.
 */
const SECRET = 'hunter2-do-not-log';
const pings: string[] = [];
const limitedPing = defineTool({
  name: 'limited_ping',
  description: 'test tool: two calls per minute',
  input: z.object({ note: z.string() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  callers: ['user', 'client'],
  rateLimit: { perMinute: 2 },
  async run(a) {
    pings.push(a.note);
    return { text: 'pong' };
  },
});

describe('rejected calls', () => {
  let gh: TestGatehouse;
  let alice: string;
  const lastOf = async (event: string) => (await gh.audit.recent(10)).find((e) => e.event === event)!;
  const orders = () => (gh.db.prepare('SELECT COUNT(*) AS n FROM demo_orders').get() as { n: number }).n;

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '0' }, { extraTools: [limitedPing] });
    alice = await tokenFor(gh, 'alice', 'identity:read purchases:create');
  });
  afterAll(async () => gh?.stop());

  it('an unknown tool is audited as call_rejected: who, the name as sent, the reason and the argument digest, never the arguments', async () => {
    const client = await connectWithToken(gh.mcpUrl, alice);
    try {
      // An unknown tool is a JSON-RPC error -32602 (the SDK's v2 line answers so, as the specification says).
      const err = await client.callTool({ name: 'wire_money', arguments: { password: SECRET } }).then(() => undefined, (e: { code?: number }) => e);
      expect(err?.code).toBe(-32602);
    } finally {
      await client.close();
    }
    const entry = await lastOf('call_rejected');
    expect(entry.data).toEqual({
      sub: 'alice',
      kind: 'user',
      client: expect.any(String),
      reason: 'unknown_tool',
      tool: 'wire_money',
      digest: argumentDigest({ tool: 'wire_money', args: { password: SECRET }, sub: 'alice', resource: gh.mcpUrl }),
    });
    expect(JSON.stringify(entry.data)).not.toContain(SECRET);
  });

  it('a tool name of any length is recorded bounded (100 characters)', async () => {
    const client = await connectWithToken(gh.mcpUrl, alice);
    try {
      await client.callTool({ name: 'x'.repeat(5000), arguments: {} }).catch(() => undefined);
    } finally {
      await client.close();
    }
    expect((await lastOf('call_rejected')).data.tool).toBe(`${'x'.repeat(100)}…`);
  });

  it('invalid arguments are audited as call_rejected and nothing runs', async () => {
    const client = await connectWithToken(gh.mcpUrl, alice);
    try {
      const r = await client.callTool({ name: 'purchase', arguments: { item: SECRET, amount: -5, currency: 'usd', merchant: 'x' } });
      expect(r.isError).toBe(true);
    } finally {
      await client.close();
    }
    expect((await lastOf('call_rejected')).data).toMatchObject({ sub: 'alice', reason: 'invalid_arguments', tool: 'purchase', digest: expect.stringMatching(/^[\w-]{43}$/) });
    expect(JSON.stringify((await lastOf('call_rejected')).data)).not.toContain(SECRET);
    expect(orders()).toBe(0);
  });

  it('past its rate limit a call is refused with rate_limited and retry_after, audited, and does not run', async () => {
    const client = await connectWithToken(gh.mcpUrl, alice);
    try {
      const results = [];
      for (const note of ['one', 'two', 'three']) results.push(await client.callTool({ name: 'limited_ping', arguments: { note } }));
      expect(results.map((r) => (r.isError ? errorCodeOf(r) : 'ok'))).toEqual(['ok', 'ok', 'rate_limited']);
      const error = (results[2]!.structuredContent as { error: { retry_after: number } }).error;
      expect(error.retry_after).toBeGreaterThanOrEqual(1);
      expect(error.retry_after).toBeLessThanOrEqual(60);
      expect(textOf(results[2])).toContain(`retry after ${error.retry_after} s`);
      expect(pings).toEqual(['one', 'two']);
      expect((await lastOf('call_rejected')).data).toEqual({
        sub: 'alice',
        kind: 'user',
        client: expect.any(String),
        reason: 'rate_limited',
        tool: 'limited_ping',
        digest: argumentDigest({ tool: 'limited_ping', args: { note: 'three' }, sub: 'alice', resource: gh.mcpUrl }),
        retryAfterSeconds: error.retry_after,
      });
    } finally {
      await client.close();
    }
    // The limit is per caller: another user is not affected.
    const bob = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'bob', 'identity:read'));
    try {
      expect((await bob.callTool({ name: 'limited_ping', arguments: { note: 'bob' } })).isError).toBeFalsy();
    } finally {
      await bob.close();
    }
  });

  it('a machine client (client credentials) calling purchase is refused with caller_not_served before any gate that costs', async () => {
    const client = await connectWithToken(gh.mcpUrl, await machineToken(gh, 'identity:read purchases:create'));
    try {
      const r = await client.callTool({ name: 'purchase', arguments: { item: 'Toner', amount: 20, currency: 'USD', merchant: 'Demo Store' } });
      expect(errorCodeOf(r)).toBe('caller_not_served');
      expect(textOf(r)).toBe('This tool serves signed-in users only; a machine client (client credentials) cannot call it. Nothing was run. [caller_not_served]');
      const entry = await lastOf('tool_call');
      expect(entry.data).toMatchObject({ sub: 'nightly-report-agent@clients', kind: 'client', tool: 'purchase', error: 'caller_not_served' });
      expect(entry.data.decisions).toEqual([{ gate: 'callers', decision: 'deny', detail: { kind: 'client', served: ['user'] } }]);
      expect(orders()).toBe(0);
      expect((gh.db.prepare("SELECT COUNT(*) AS n FROM budget_reservations WHERE sub = 'nightly-report-agent@clients'").get() as { n: number }).n).toBe(0);
      // A tool that declares machine clients still serves them.
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.isError).toBeFalsy();
      expect(who.structuredContent).toMatchObject({ kind: 'client', sub: 'nightly-report-agent@clients' });
    } finally {
      await client.close();
    }
  });
});
