import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

const FROM = '2026-12-01T09:00:00Z';
const TO = '2026-12-01T10:00:00Z';

/**
 * Every built-in tool refuses invalid input with the exact validation error, before any gate runs:
 * no tool_call is audited (only call_rejected / invalid_arguments), no connect ticket, approval, budget
 * reservation or order is created. The table must name every tool the server lists.
 */
const CASES: Record<string, [args: Record<string, unknown>, error: string][]> = {
  whoami: [[{ sub: 'bob' }, 'Unrecognized key: "sub"']],
  list_calendar_events: [
    [{ from: '2026-12-01', to: TO }, 'from: Invalid ISO datetime'],
    [{ from: FROM, to: TO, user: 'bob' }, 'Unrecognized key: "user"'],
  ],
  create_calendar_event: [
    [{ title: '  ', start: FROM, end: TO }, 'title: Too small: expected string to have >=1 characters'],
    [{ title: 'Sync', start: FROM, end: TO, attendees: ['not-an-email'] }, 'attendees.0: Invalid email address'],
  ],
  send_email: [
    [{ to: [], subject: 'Hi', body: 'x' }, 'to: Too small: expected array to have >=1 items'],
    [{ to: ['a@example.com'], subject: 'Hi\r\nBcc: evil@example.com', body: 'x' }, 'subject: must be one line'],
  ],
  search_documents: [
    [{ query: '   ' }, 'query: Too small: expected string to have >=1 characters'],
    [{ query: 'budget', k: 51 }, 'k: Too big: expected number to be <=50'],
  ],
  read_document: [[{ id: '../secrets' }, 'id: a document id such as "q3-budget"']],
  purchase: [
    [{ item: 'Laptop', amount: -5, currency: 'USD', merchant: 'Demo Store' }, 'amount: Too small: expected number to be >0'],
    [{ item: 'Laptop', amount: 5, currency: 'usd', merchant: 'Demo Store' }, 'currency: an ISO 4217 code such as EUR'],
    [{ item: 'Laptop', amount: 5, currency: 'USD', merchant: 'Demo Store', on_behalf_of: 'bob' }, 'Unrecognized key: "on_behalf_of"'],
  ],
};

describe('every built-in tool validates its input and changes nothing on bad input', () => {
  let gh: TestGatehouse;
  let client: Client;
  const count = (table: string) => (gh.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const sideEffects = () => ({
    orders: count('demo_orders'),
    approvals: count('approvals'),
    tickets: count('vault_connect_tickets'),
    reservations: count('budget_reservations'),
    connections: count('vault_connections'),
  });

  beforeAll(async () => {
    gh = await startTestGatehouse();
    client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'identity:read docs:read calendar:read calendar:write email:send purchases:create'));
  });
  afterAll(async () => {
    await client?.close();
    await gh?.stop();
  });

  it('the table covers every tool the server lists', async () => {
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES).flatMap(([tool, cases]) => cases.map(([args, error]) => ({ tool, args, error }))))('$tool refuses $args', async ({ tool, args, error }) => {
    const before = (await gh.audit.recent(1))[0]?.seq ?? 0;
    const effects = sideEffects();
    const r = await client.callTool({ name: tool, arguments: args });
    expect(r.isError).toBe(true);
    const text = (r.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
    expect(text.replace(/^MCP error -32602: /, '')).toBe(`Input validation error: Invalid arguments for tool ${tool}: ${error}`);
    const entries = (await gh.audit.recent(10)).filter((e) => e.seq > before);
    expect(entries.map((e) => [e.event, e.data.reason, e.data.tool, e.data.sub])).toEqual([['call_rejected', 'invalid_arguments', tool, 'alice']]);
    expect(sideEffects()).toEqual(effects);
    expect(effects).toEqual({ orders: 0, approvals: 0, tickets: 0, reservations: 0, connections: 0 });
  });
});
