import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ApprovalLedger, ApprovalRecord } from '../../src/approvals/approval-ledger.js';
import { BudgetExceededError, ProviderError } from '../../src/errors.js';
import { approveGate } from '../../src/gates/approve.js';
import { budgetGate } from '../../src/gates/budget.js';
import { approvalNotConfigured, buildChain, GateNotConfiguredError } from '../../src/gates/chain.js';
import type { Gate, ToolCall } from '../../src/gates/gate.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { createBudgetStore } from '../../src/store/sqlite/budget-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { tempDir } from '../helpers/bootstrap.js';
import { defineTool, type AnyTool, type BudgetPolicy } from '../../src/tools/define.js';

const DAY = 86_400;
const spend = (over: 'approve' | 'refuse' = 'approve', limit: Record<string, number> = { USD: 1000 }) =>
  defineTool({
    name: 'spend',
    description: 'test',
    input: z.object({ amount: z.number(), currency: z.string() }),
    scopes: [],
    risk: 'medium',
    budget: { amount: (a) => ({ value: a.amount, currency: a.currency }), limit, windowSeconds: DAY, over } satisfies BudgetPolicy<{ amount: number; currency: string }>,
    run: async () => ({ text: 'ran' }),
  });

function call(tool: AnyTool, args: Record<string, unknown>, sub = 'alice'): ToolCall {
  return {
    tool,
    args,
    caller: { kind: 'user', sub, clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 },
    credential: new BearerCredential('x'),
    resource: 'r',
    digest: `d-${Math.random()}`,
    signal: new AbortController().signal,
    progress: async () => {},
  };
}

function setup(t0 = Date.UTC(2026, 0, 1)) {
  const db = openDatabase(':memory:');
  let now = t0;
  const clock = { advance: (s: number) => (now += s * 1000) };
  const obtain = vi.fn(async (): Promise<ApprovalRecord> => ({ id: `apr${obtain.mock.calls.length}`, status: 'approved', approvedBy: 'alice', approvedAt: now, bindingMessage: 'b' }) as ApprovalRecord);
  const approve = approveGate({ flow: { obtain, reconcile: async () => 0 }, ledger: { consume: () => true } as unknown as ApprovalLedger, now: () => now });
  const pass: Gate = { name: 'p', evaluate: async () => ({ decision: 'allow' }) };
  const budget = budgetGate(createBudgetStore(db), () => now);
  /** The chain with this approve slot: walk(call) runs `ran` once every gate allowed. */
  const chain = (approveSlot: Gate = approve) => {
    const built = buildChain({ callers: pass, scopes: pass, rateLimit: pass, authorize: pass, connect: pass, budget, approve: approveSlot });
    return (c: ToolCall, run: () => Promise<{ text: string }> = ran) => built.walk(c, run);
  };
  const rows = () => db.prepare('SELECT sub, currency, amount FROM budget_reservations ORDER BY id').all();
  return { db, clock, obtain, chain, rows };
}

const ran = async () => ({ text: 'ran' });

describe('budget gate', () => {
  it('within budget runs without approval and counts the amount as spent; the call that passes the limit asks for approval', async () => {
    const { chain, obtain, rows } = setup();
    const run = chain();
    for (const amount of [400, 600]) expect((await run(call(spend(), { amount, currency: 'USD' }))).ok).toBe(true);
    expect(obtain).not.toHaveBeenCalled();
    const walked = await run(call(spend(), { amount: 1, currency: 'USD' }));
    expect(obtain).toHaveBeenCalledTimes(1);
    expect(walked.decisions.find((d) => d.gate === 'budget')).toMatchObject({ decision: 'allow', detail: { over: true, used: 1000, limit: 1000, reason: 'over the limit' } });
    expect(walked).toMatchObject({ ok: true, grants: { approval: { id: 'apr1' } } });
    // The approved amount counts as well.
    expect(rows()).toEqual([400, 600, 1].map((amount) => ({ sub: 'alice', currency: 'USD', amount })));
  });

  it('a currency without a limit always asks for approval, even for a tiny amount', async () => {
    const { chain, obtain } = setup();
    expect((await chain()(call(spend(), { amount: 0.01, currency: 'BTC' }))).ok).toBe(true);
    expect(obtain).toHaveBeenCalledTimes(1);
  });

  it('budgets are per user and per window: older calls stop counting after windowSeconds', async () => {
    const { chain, obtain, clock } = setup();
    const run = chain();
    expect((await run(call(spend(), { amount: 1000, currency: 'USD' }))).ok).toBe(true);
    expect((await run(call(spend(), { amount: 1000, currency: 'USD' }, 'bob'))).ok).toBe(true);
    expect(obtain).not.toHaveBeenCalled();
    clock.advance(DAY - 1);
    expect((await run(call(spend(), { amount: 1, currency: 'USD' }))).ok).toBe(true);
    expect(obtain).toHaveBeenCalledTimes(1);
    clock.advance(2);
    // The first 1000 USD left the window; the approved 1 USD still counts.
    expect((await run(call(spend(), { amount: 999, currency: 'USD' }))).ok).toBe(true);
    expect(obtain).toHaveBeenCalledTimes(1);
    expect((await run(call(spend(), { amount: 1, currency: 'USD' }))).ok).toBe(true);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('a call that ends before run (pending, denied, refused) releases its reservation; one whose run started keeps it', async () => {
    const { chain, rows, obtain } = setup();
    const failing: Gate = { name: 'approve', evaluate: async () => Promise.reject(new ProviderError('later gate said no')) };
    expect(await chain(failing)(call(spend(), { amount: 900, currency: 'USD' }))).toMatchObject({ ok: false, error: expect.any(ProviderError) });
    expect(rows()).toEqual([]);
    const refusing: Gate = { name: 'approve', evaluate: async () => ({ decision: 'deny', error: new ProviderError('later gate refused') }) };
    expect(await chain(refusing)(call(spend(), { amount: 900, currency: 'USD' }))).toMatchObject({ ok: false, error: expect.any(ProviderError) });
    expect(rows()).toEqual([]);
    expect(await chain()(call(spend(), { amount: 900, currency: 'USD' }), async () => Promise.reject(new ProviderError('failed after acting')))).toMatchObject({ ok: false, error: expect.any(ProviderError) });
    expect(rows()).toEqual([{ sub: 'alice', currency: 'USD', amount: 900 }]);
    expect((await chain()(call(spend(), { amount: 200, currency: 'USD' }))).ok).toBe(true);
    expect(obtain).toHaveBeenCalledTimes(1);
  });

  it("over: 'refuse' refuses with budget_exceeded and reserves nothing", async () => {
    const { chain, rows } = setup();
    expect((await chain()(call(spend('refuse'), { amount: 1000, currency: 'USD' }))).ok).toBe(true);
    const walked = await chain()(call(spend('refuse'), { amount: 1, currency: 'USD' }));
    expect(walked).toMatchObject({ ok: false, error: expect.any(BudgetExceededError) });
    expect(walked.decisions.at(-1)).toMatchObject({ gate: 'budget', decision: 'deny', detail: { over: true } });
    expect(rows()).toHaveLength(1);
  });

  it('without an approval service an over-budget call is refused (fail closed); a call within budget runs', async () => {
    const { chain } = setup();
    const run = chain(approvalNotConfigured);
    expect(await run(call(spend(), { amount: 1000, currency: 'USD' }))).toMatchObject({ ok: true, output: { text: 'ran' } });
    expect(await run(call(spend(), { amount: 1, currency: 'USD' }))).toMatchObject({ ok: false, error: expect.any(GateNotConfiguredError) });
  });

  it('two connections to the same Store file (two instances) see each other\'s reservations', async () => {
    const dir = tempDir();
    const dbs = [openDatabase(join(dir, 'budget.db')), openDatabase(join(dir, 'budget.db'))];
    try {
      const [a, b] = dbs.map(createBudgetStore);
      const req = { tool: 'spend', sub: 'alice', currency: 'USD', amount: 600, limit: 1000, windowMs: DAY * 1000, digest: 'd', now: 1 };
      expect([(await a!.reserve(req)).within, (await b!.reserve(req)).within]).toEqual([true, false]);
    } finally {
      for (const db of dbs) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defineTool refuses malformed budget and rate-limit policies', () => {
    expect(() => spend('approve', { usd: 1 })).toThrow(/budget.limit/);
    expect(() => spend('approve', { USD: -1 })).toThrow(/budget.limit/);
    expect(() => defineTool({ name: 't', description: 'd', input: z.object({}), scopes: [], risk: 'low', rateLimit: { perMinute: 0 }, run: ran })).toThrow(/perMinute/);
    expect(() => defineTool({ name: 't', description: 'd', input: z.object({}), scopes: [], risk: 'low', callers: [], run: ran })).toThrow(/callers/);
  });
});
