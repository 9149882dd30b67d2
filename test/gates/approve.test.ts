import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ApprovalLedger, ApprovalRecord } from '../../src/approvals/approval-ledger.js';
import type { ApprovalFlow } from '../../src/approvals/await-approval.js';
import { ApprovalDeniedError, ApprovalInterruptedError, ApprovalPendingError } from '../../src/errors.js';
import { approveGate } from '../../src/gates/approve.js';
import type { ToolCall } from '../../src/gates/gate.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { defineTool, type AnyTool } from '../../src/tools/define.js';
import { purchaseTool } from '../../src/tools/catalog/purchase.js';
import { createSqliteApprovalLedger } from '../../src/store/sqlite/approval-ledger.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { tempDir } from '../helpers/bootstrap.js';

const approved = { id: 'apr1', status: 'approved', approvedBy: 'alice', approvedAt: Date.UTC(2026, 0, 1), bindingMessage: 'Buy x #ABC123' } as ApprovalRecord;

function call(args: Record<string, unknown>, kind: 'user' | 'client' = 'user', tool: AnyTool = purchaseTool(500)): ToolCall {
  return {
    tool,
    args,
    caller: { kind, sub: kind === 'user' ? 'alice' : 'svc@clients', clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 },
    credential: new BearerCredential('x'),
    resource: 'r',
    digest: 'd',
    signal: new AbortController().signal,
    progress: async () => {},
  };
}

function gate(obtain: ApprovalFlow['obtain'], consume = () => true) {
  return approveGate({ flow: { obtain, reconcile: async () => 0 }, ledger: { consume } as unknown as ApprovalLedger, now: () => 0 });
}

describe('approve gate', () => {
  it('skips tools without a policy and calls whose arguments the policy does not cover', async () => {
    const plain = defineTool({ name: 'plain', description: 'd', input: z.object({}), scopes: [], risk: 'low', run: async () => ({ text: '' }) });
    const obtain = vi.fn();
    expect(await gate(obtain).evaluate(call({}, 'user', plain), {})).toEqual({ decision: 'skip', detail: { reason: 'no approval policy' } });
    expect(await gate(obtain).evaluate(call({ item: 'x', amount: 500, currency: 'EUR', merchant: 'm' }), {})).toEqual({ decision: 'skip', detail: { reason: 'policy does not require approval; within budget' } });
    expect(obtain).not.toHaveBeenCalled();
  });

  it('asks for approval when the budget gate before it found the call over budget', async () => {
    const obtain = vi.fn(async () => approved);
    const over = { over: true, amount: 1, currency: 'EUR', used: 10, limit: 10, windowSeconds: 60 };
    expect(await gate(obtain).evaluate(call({ item: 'x', amount: 1, currency: 'EUR', merchant: 'm' }), { budget: over })).toMatchObject({ decision: 'allow', grant: { approval: { id: 'apr1' } } });
    expect(obtain).toHaveBeenCalledOnce();
  });

  it('refuses a caller with no user to ask (approval_required)', async () => {
    const verdict = await gate(vi.fn()).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }, 'client'), {});
    expect(verdict).toMatchObject({ decision: 'deny', detail: { reason: 'no user to approve', needed: 'policy' }, error: { code: 'approval_required' } });
  });

  it('allows once approved, grants run the approval, records approver and time', async () => {
    expect(await gate(async () => approved).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), {})).toEqual({
      decision: 'allow',
      detail: { approvalId: 'apr1', approver: 'alice', approvedAt: '2026-01-01T00:00:00.000Z', bindingMessage: 'Buy x #ABC123' },
      grant: { approval: { id: 'apr1', approvedBy: 'alice', approvedAt: '2026-01-01T00:00:00.000Z' } },
    });
  });

  it('refuses when the approval was already consumed', async () => {
    const verdict = await gate(async () => approved, () => false).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), {});
    expect(verdict).toMatchObject({ decision: 'deny', detail: { approvalId: 'apr1', outcome: 'approval_consumed' }, error: { code: 'approval_consumed' } });
    expect(verdict).not.toHaveProperty('grant');
  });

  it('one approval, the same call passing the gate on two instances at once: exactly one execution is allowed', async () => {
    const dir = tempDir();
    const dbs = [openDatabase(join(dir, 'gatehouse.db')), openDatabase(join(dir, 'gatehouse.db'))];
    try {
      const [a, b] = dbs.map(createSqliteApprovalLedger);
      const t = Date.UTC(2026, 0, 1);
      await a!.reserve({ id: 'apr2', digest: 'd', tool: 'purchase', sub: 'alice', resource: 'r', bindingMessage: 'Buy x #ABC123', details: '[]', createdAt: t, expiresAt: t + 60_000, intervalMs: 1000 });
      await a!.started('apr2', 'req', t + 60_000, 1000, t);
      await a!.claimRedeem('apr2', t, 'L', t + 20_000);
      expect(await a!.approved('apr2', 'L', 'alice', t, t + 60_000)).toBe(true);
      const record = (await b!.get('apr2'))!;
      const gates = [a!, b!].map((ledger) => approveGate({ flow: { obtain: async () => record, reconcile: async () => 0 }, ledger, now: () => t + 1 }));
      const verdicts = await Promise.all(gates.map((g) => g.evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), {})));
      expect(verdicts.map((v) => v.decision).sort()).toEqual(['allow', 'deny']);
      expect(verdicts.find((v) => v.decision === 'deny')).toMatchObject({ detail: { approvalId: 'apr2', outcome: 'approval_consumed' }, error: { code: 'approval_consumed' } });
      expect((await b!.get('apr2'))?.status).toBe('consumed');
    } finally {
      for (const db of dbs) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes pending and denied through, recorded with the approval id', async () => {
    const pending = await gate(async () => { throw new ApprovalPendingError('apr2', new Date(0), 'm #A1'); }).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), {});
    expect(pending).toMatchObject({ decision: 'pending', detail: { approvalId: 'apr2' }, error: { code: 'approval_pending' } });
    const denied = await gate(async () => { throw new ApprovalDeniedError('no', { approvalId: 'apr3' }); }).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), {});
    expect(denied).toMatchObject({ decision: 'deny', detail: { approvalId: 'apr3', outcome: 'approval_denied' }, error: { code: 'approval_denied' } });
  });

  it('passes approval_interrupted through as its own refusal, recorded with the approval id', async () => {
    const interrupted = new ApprovalInterruptedError('Your approval at 12:03 UTC was received but the server restarted before using it; approve again', { approvalId: 'apr4' });
    const verdict = await gate(async () => { throw interrupted; }).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), {});
    expect(verdict).toEqual({ decision: 'deny', detail: { approvalId: 'apr4', outcome: 'approval_interrupted' }, error: interrupted });
  });
});
