import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { deviceFor, errorCodeOf, waitForRequests } from '../helpers/approvals.js';
import { callTool, connectWithToken, rpc, tokenFor } from '../helpers/mcp-client.js';

/**
 * Splitting a large purchase into small ones: per-call thresholds are not enough. The purchase budget is
 * GATEHOUSE_PURCHASE_APPROVAL_THRESHOLD USD per user per 24 h, counted atomically in the Store; JSON-RPC
 * batches are refused outright. Approval waits are 0 s so an over-budget call answers approval_pending at once.
 */
const BUDGET = 1000;
const PRICE = 499;
/** The first call whose running total passes the budget: 3 with 1000 USD and 499 USD calls. */
const FIRST_OVER = Math.floor(BUDGET / PRICE) + 1;
const small = (item: string, currency = 'USD') => ({ item, amount: PRICE, currency, merchant: 'Demo Store' });

describe('budgets: a large order split into small ones still asks for approval', () => {
  let gh: TestGatehouse;
  const orders = (sub: string) => (gh.db.prepare('SELECT COUNT(*) AS n FROM demo_orders WHERE sub = ?').get(sub) as { n: number }).n;
  const approvals = (sub: string) => (gh.db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE sub = ?').get(sub) as { n: number }).n;

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_PURCHASE_APPROVAL_THRESHOLD: String(BUDGET), GATEHOUSE_APPROVAL_WAIT_SECONDS: '0' });
  });
  afterAll(async () => gh?.stop());

  it('one HTTP request carrying a JSON-RPC batch of 50 × 499 USD purchases is refused (400, -32600), runs nothing and is audited', async () => {
    const token = await tokenFor(gh, 'alice', 'purchases:create');
    const batch = Array.from({ length: 50 }, (_, i) => callTool('purchase', small(`Batch part ${i}`), i + 1));
    const res = await rpc(gh.mcpUrl, batch, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
    expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(body.error.message).toMatch(/^Invalid Request: JSON-RPC batches are not supported/);
    expect(orders('alice')).toBe(0);
    const [entry] = (await gh.audit.recent(5)).filter((e) => e.event === 'call_rejected');
    expect(entry!.data).toMatchObject({ sub: 'alice', kind: 'user', reason: 'batch', count: 50, tool: null, digest: null });
    expect(JSON.stringify(entry!.data)).not.toContain('Batch part');
  });

  it(`sequential 499 USD purchases by one user: call ${FIRST_OVER} (the first past ${BUDGET} USD / 24 h) and every later one asks for approval`, async () => {
    const client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'purchases:create'));
    try {
      const codes: (string | undefined)[] = [];
      for (let i = 1; i <= FIRST_OVER + 2; i++) {
        const r = await client.callTool({ name: 'purchase', arguments: small(`Part ${i}`) });
        codes.push(r.isError ? errorCodeOf(r) : 'ok');
      }
      expect(codes).toEqual([...Array(FIRST_OVER - 1).fill('ok'), 'approval_pending', 'approval_pending', 'approval_pending']);
      expect(orders('alice')).toBe(FIRST_OVER - 1);
      expect(approvals('alice')).toBe(3);
      // Pending calls released their reservations: only what ran is counted.
      const rows = gh.db.prepare("SELECT COUNT(*) AS n, SUM(amount) AS total FROM budget_reservations WHERE sub = 'alice'").all();
      expect(rows).toEqual([{ n: FIRST_OVER - 1, total: PRICE * (FIRST_OVER - 1) }]);
      const audited = (await gh.audit.recent(20)).filter((e) => e.event === 'tool_call' && e.data.tool === 'purchase');
      const budget = (audited[0]!.data.decisions as { gate: string; detail?: Record<string, unknown> }[]).find((d) => d.gate === 'budget');
      expect(budget!.detail).toMatchObject({ over: true, amount: PRICE, currency: 'USD', used: PRICE * (FIRST_OVER - 1), limit: BUDGET, reason: 'over the limit', then: 'approve' });
    } finally {
      await client.close();
    }
  });

  it('499 BTC is not a small amount: a currency without a budget always asks for approval', async () => {
    const client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'bob', 'purchases:create'));
    try {
      const r = await client.callTool({ name: 'purchase', arguments: small('Coins', 'BTC') });
      expect(errorCodeOf(r)).toBe('approval_pending');
      expect(orders('bob')).toBe(0);
      // The same user's USD budget is untouched by the refused BTC call.
      const ok = await client.callTool({ name: 'purchase', arguments: small('Cable') });
      expect(ok.isError).toBeFalsy();
      expect(orders('bob')).toBe(1);
    } finally {
      await client.close();
    }
  });

  it(`concurrent purchases racing the budget: exactly ${FIRST_OVER - 1} of 8 run without approval`, async () => {
    const token = await tokenFor(gh, 'carol', 'purchases:create');
    const clients = await Promise.all(Array.from({ length: 8 }, () => connectWithToken(gh.mcpUrl, token)));
    try {
      const results = await Promise.all(clients.map((c, i) => c.callTool({ name: 'purchase', arguments: small(`Race ${i}`) })));
      const codes = results.map((r) => (r.isError ? errorCodeOf(r) : 'ok'));
      expect(codes.filter((c) => c === 'ok')).toHaveLength(FIRST_OVER - 1);
      expect(codes.filter((c) => c === 'approval_pending')).toHaveLength(8 - (FIRST_OVER - 1));
      expect(orders('carol')).toBe(FIRST_OVER - 1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe('budgets: an approved over-budget purchase runs once and counts; a denied one does not', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_PURCHASE_APPROVAL_THRESHOLD: String(BUDGET), GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
  });
  afterAll(async () => gh?.stop());

  it('the call past the budget waits for the device, runs once approved, and its amount counts against the budget', async () => {
    const counted = () => (gh.db.prepare("SELECT COALESCE(SUM(amount), 0) AS total FROM budget_reservations WHERE sub = 'alice'").get() as { total: number }).total;
    const client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'purchases:create'));
    const device = await deviceFor(gh.issuer, 'alice');
    try {
      const buy = (item: string, amount: number) => client.callTool({ name: 'purchase', arguments: { item, amount, currency: 'USD', merchant: 'Demo Store' } }, undefined, { timeout: 60_000 });
      expect((await buy('Desk', 600)).isError).toBeFalsy();
      const chair = buy('Chair', 600);
      const [req] = await waitForRequests(device);
      expect(req!.details[0]!.properties.amount!.value).toBe('600.00 USD');
      expect(req!.bindingMessage!.replace(/ #\w+$/, '')).toBe('Pay 600.00 USD to Demo Store');
      await device.decide(req!.id, 'approve');
      const approved = await chair;
      expect(approved.isError).toBeFalsy();
      expect(approved.structuredContent).toMatchObject({ amount: 600, approval: { approvedBy: 'alice' } });
      expect(counted()).toBe(1200);

      const lamp = buy('Lamp', 1);
      const [again] = await waitForRequests(device);
      await device.decide(again!.id, 'deny');
      expect(errorCodeOf(await lamp)).toBe('approval_denied');
      expect(counted()).toBe(1200);
    } finally {
      await client.close();
    }
  }, 60_000);
});
