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

const approved = { id: 'apr1', status: 'approved', approvedBy: 'alice', approvedAt: Date.UTC(2026, 0, 1), bindingMessage: 'Buy x #ABC123' } as ApprovalRecord;
const next = vi.fn(async () => ({ text: 'ran' }));

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
    decisions: [],
    grants: {},
  };
}

function gate(obtain: ApprovalFlow['obtain'], consume = () => true) {
  return approveGate({ flow: { obtain, reconcile: async () => 0 }, ledger: { consume } as unknown as ApprovalLedger, now: () => 0 });
}

describe('approve gate', () => {
  it('skips tools without a policy and calls whose arguments the policy does not cover', async () => {
    const plain = defineTool({ name: 'plain', description: 'd', input: z.object({}), scopes: [], risk: 'low', run: async () => ({ text: '' }) });
    const obtain = vi.fn();
    for (const c of [call({}, 'user', plain), call({ item: 'x', amount: 500, currency: 'EUR', merchant: 'm' })]) {
      await gate(obtain).evaluate(c, next);
      expect(c.decisions).toEqual([{ gate: 'approve', decision: 'skip', detail: expect.any(Object) }]);
    }
    expect(obtain).not.toHaveBeenCalled();
  });

  it('refuses a caller with no user to ask (approval_required)', async () => {
    await expect(gate(vi.fn()).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }, 'client'), next)).rejects.toMatchObject({ code: 'approval_required' });
  });

  it('runs once approved, hands run the approval, records approver and time', async () => {
    const c = call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' });
    next.mockClear();
    expect(await gate(async () => approved).evaluate(c, next)).toEqual({ text: 'ran' });
    expect(next).toHaveBeenCalledOnce();
    expect(c.grants.approval).toEqual({ id: 'apr1', approvedBy: 'alice', approvedAt: '2026-01-01T00:00:00.000Z' });
    expect(c.decisions[0]).toMatchObject({ decision: 'allow', detail: { approvalId: 'apr1', approver: 'alice', bindingMessage: 'Buy x #ABC123' } });
  });

  it('never runs when the approval was already consumed', async () => {
    next.mockClear();
    await expect(gate(async () => approved, () => false).evaluate(call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' }), next)).rejects.toMatchObject({ code: 'approval_consumed' });
    expect(next).not.toHaveBeenCalled();
  });

  it('passes pending and denied through, recorded with the approval id', async () => {
    next.mockClear();
    const pending = call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' });
    await expect(gate(async () => { throw new ApprovalPendingError('apr2', new Date(0), 'm #A1'); }).evaluate(pending, next)).rejects.toMatchObject({ code: 'approval_pending' });
    expect(pending.decisions[0]).toMatchObject({ decision: 'pending', detail: { approvalId: 'apr2' } });
    const denied = call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' });
    await expect(gate(async () => { throw new ApprovalDeniedError('no', { approvalId: 'apr3' }); }).evaluate(denied, next)).rejects.toMatchObject({ code: 'approval_denied' });
    expect(denied.decisions[0]).toMatchObject({ decision: 'deny', detail: { approvalId: 'apr3', outcome: 'approval_denied' } });
    expect(next).not.toHaveBeenCalled();
  });

  it('passes approval_interrupted through as its own refusal, recorded with the approval id; nothing runs', async () => {
    next.mockClear();
    const c = call({ item: 'x', amount: 501, currency: 'EUR', merchant: 'm' });
    const interrupted = new ApprovalInterruptedError('Your approval at 12:03 UTC was received but the server restarted before using it; approve again', { approvalId: 'apr4' });
    await expect(gate(async () => { throw interrupted; }).evaluate(c, next)).rejects.toMatchObject({ code: 'approval_interrupted', approvalId: 'apr4' });
    expect(c.decisions[0]).toEqual({ gate: 'approve', decision: 'deny', detail: { approvalId: 'apr4', outcome: 'approval_interrupted' } });
    expect(next).not.toHaveBeenCalled();
  });
});
