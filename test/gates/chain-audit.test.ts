import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditLog, type AuditLog } from '../../src/audit/audit-log.js';
import type { AuditStore } from '../../src/store/ports/audit-store.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { ApprovalPendingError, AuditUnavailableError, ForbiddenError, ProviderError } from '../../src/errors.js';
import type { Authorizer } from '../../src/fga/authorizer.js';
import { createAuthorizeGate } from '../../src/gates/authorize.js';
import { budgetGate } from '../../src/gates/budget.js';
import { callersGate } from '../../src/gates/callers.js';
import { approvalNotConfigured, buildChain, requireNoPolicy, type GateSet } from '../../src/gates/chain.js';
import type { CallGrants, Gate, ToolCall } from '../../src/gates/gate.js';
import { rateLimitGate } from '../../src/gates/rate-limit.js';
import { scopesGate } from '../../src/gates/scopes.js';
import { BearerCredential, type Caller } from '../../src/identity/caller.js';
import { createBudgetStore } from '../../src/store/sqlite/budget-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../../src/store/sqlite/rate-limit-store.js';
import { defineTool, type AnyTool, type Grants } from '../../src/tools/define.js';

/** A value that must never reach the audit log: it is only ever an argument. */
const SECRET_ARG = 'arg-value-7f3a9c-never-logged';

const alice: Caller = { kind: 'user', sub: 'alice', clientId: 'app', orgId: 'org_acme', scopes: ['docs:read'], permissions: [], issuer: 'i', expiresAt: 0 };

const note = (run: AnyTool['run'], extra: Partial<AnyTool> = {}) =>
  defineTool({ name: 'note', description: 't', input: z.object({ text: z.string() }), scopes: ['docs:read'], risk: 'low', run, ...extra });

function call(tool: AnyTool, caller: Caller = alice, args: Record<string, unknown> = { text: SECRET_ARG }): ToolCall {
  return { tool, args, caller, credential: new BearerCredential('bearer-xyz'), resource: 'https://mcp.example/mcp', digest: 'digest-1', signal: new AbortController().signal, progress: async () => {} };
}

const authorizer = (allowed: boolean): Authorizer => ({
  check: async () => allowed,
  batchCheck: async () => [],
  listObjects: async () => ({ objects: [], complete: true }),
  writeTuples: async () => {},
});

function setup(over: Partial<GateSet> = {}) {
  const db = openDatabase(':memory:');
  const audit = createAuditLog(createSqliteAuditStore(db));
  const chain = buildChain({
    callers: callersGate,
    scopes: scopesGate,
    rateLimit: rateLimitGate(createSqliteRateLimitStore(db)),
    authorize: createAuthorizeGate(authorizer(true)),
    connect: requireNoPolicy('connect', (t) => t.connection !== undefined),
    budget: budgetGate(createBudgetStore(db)),
    approve: approvalNotConfigured,
    ...over,
  });
  const entries = async () => (await audit.recent(100)).filter((e) => e.event === 'tool_call' || e.event === 'call_rejected');
  const raw = () => JSON.stringify(db.prepare('SELECT event, data FROM audit_log').all());
  return { chain, audit, entries, raw };
}

describe('chain audit', () => {
  it('on success writes one tool_call entry with every gate decision in order, the run facts and no arguments', async () => {
    const { chain, audit, entries, raw } = setup();
    const tool = note(async (a, ctx) => {
      ctx.audit?.({ plan: 'direct', chars: a.text.length });
      return { text: 'done' };
    });
    const outcome = await chain.execute(call(tool), audit);
    expect(outcome).toEqual({ kind: 'ok', output: { text: 'done' } });
    const [entry, ...more] = await entries();
    expect(more).toEqual([]);
    expect(entry!.event).toBe('tool_call');
    expect(entry!.data).toEqual({
      sub: 'alice',
      kind: 'user',
      client: 'app',
      org: 'org_acme',
      tool: 'note',
      digest: 'digest-1',
      decisions: [
        { gate: 'callers', decision: 'allow', detail: { kind: 'user' } },
        { gate: 'scopes', decision: 'allow', detail: { required: ['docs:read'] } },
        { gate: 'rateLimit', decision: 'skip' },
        { gate: 'authorize', decision: 'skip' },
        { gate: 'connect', decision: 'skip' },
        { gate: 'budget', decision: 'skip' },
        { gate: 'approve', decision: 'skip' },
      ],
      run: { plan: 'direct', chars: SECRET_ARG.length },
      result: 'ok',
    });
    expect(raw()).not.toContain(SECRET_ARG);
    expect(raw()).not.toContain('bearer-xyz');
  });

  it('on a denial writes one entry with the decisions up to the refusing gate, its code and the reference it returns; run is not entered', async () => {
    const { chain, audit, entries, raw } = setup({ authorize: createAuthorizeGate(authorizer(false)) });
    let ran = false;
    const tool = note(
      async () => ((ran = true), { text: 'x' }),
      { authorize: { relation: 'viewer', object: () => 'document:q3' } },
    );
    const outcome = await chain.execute(call(tool), audit);
    expect(ran).toBe(false);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'forbidden' });
    if (outcome.kind !== 'refused') throw new Error('expected a refusal');
    expect(outcome.error).toBeInstanceOf(ForbiddenError);
    const [entry, ...more] = await entries();
    expect(more).toEqual([]);
    expect(entry!.data).toMatchObject({ tool: 'note', result: 'error', error: 'forbidden', reference: outcome.reference });
    expect((entry!.data.decisions as { gate: string; decision: string }[]).map((d) => `${d.gate}:${d.decision}`)).toEqual(['callers:allow', 'scopes:allow', 'rateLimit:skip', 'authorize:deny']);
    expect(entry!.data).not.toHaveProperty('run');
    expect(raw()).not.toContain(SECRET_ARG);
  });

  it('on a tool error writes one entry as internal_error with the facts run recorded before failing', async () => {
    const { chain, audit, entries, raw } = setup();
    const tool = note(async (a, ctx) => {
      ctx.audit?.({ step: 'fetched' });
      throw new Error(`boom ${a.text}`);
    });
    const outcome = await chain.execute(call(tool), audit);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'internal_error' });
    const [entry, ...more] = await entries();
    expect(more).toEqual([]);
    expect(entry!.data).toMatchObject({ result: 'error', error: 'internal_error', run: { step: 'fetched' } });
    expect(entry!.data.reference).toBe((outcome as { reference: string }).reference);
    expect(raw()).not.toContain(SECRET_ARG);
  });

  it('a typed upstream error keeps its own code in the entry', async () => {
    const { chain, audit, entries } = setup();
    const outcome = await chain.execute(call(note(async () => Promise.reject(new ProviderError('provider down')))), audit);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'provider_error' });
    expect((await entries()).map((e) => e.data.error)).toEqual(['provider_error']);
  });

  it('a pending approval is recorded as such, once', async () => {
    const pending: Gate = {
      name: 'approve',
      evaluate: async () => ({ decision: 'pending', detail: { approvalId: 'apr_1' }, error: new ApprovalPendingError('apr_1', new Date(Date.UTC(2026, 0, 1)), 'Pay 5 USD') }),
    };
    const { chain, audit, entries } = setup({ approve: pending });
    const outcome = await chain.execute(call(note(async () => ({ text: 'x' }))), audit);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'approval_pending' });
    expect(await entries()).toHaveLength(1);
    expect((await entries())[0]!.data).toMatchObject({ result: 'error', error: 'approval_pending' });
    expect(((await entries())[0]!.data.decisions as { gate: string }[]).at(-1)).toEqual({ gate: 'approve', decision: 'pending', detail: { approvalId: 'apr_1' } });
  });

  it('a call over the rate limit is returned as rejected and writes no tool_call entry', async () => {
    const { chain, audit, entries } = setup();
    const tool = note(async () => ({ text: 'ok' }), { rateLimit: { perMinute: 1 } });
    expect((await chain.execute(call(tool), audit)).kind).toBe('ok');
    const outcome = await chain.execute(call(tool), audit);
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'rate_limited' });
    expect((await entries()).map((e) => e.data.result)).toEqual(['ok']);
  });

  it('audited before answered: the outcome waits for its entry, and an entry the Store cannot write withholds the result (audit_unavailable)', async () => {
    const { chain } = setup();
    const tool = note(async () => ({ text: 'done' }));
    const store = createSqliteAuditStore(openDatabase(':memory:'));

    const down = new Error('audit store unreachable');
    const failing: AuditStore = {
      ...store,
      append: async () => {
        await turn();
        throw down;
      },
    };
    const unaudited = await chain.execute(call(tool), createAuditLog(failing));
    expect(unaudited).toMatchObject({ kind: 'refused', code: 'audit_unavailable', reference: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(unaudited.kind !== 'ok' && unaudited.error).toBeInstanceOf(AuditUnavailableError);
    expect(unaudited.kind !== 'ok' && (unaudited.error as Error).cause).toBe(down);
    // The Store's own words never reach the client; a refusal that cannot be audited is withheld the same way.
    expect(unaudited.kind !== 'ok' && (unaudited.error as Error).message).not.toContain('unreachable');
    const refusing = note(async () => {
      throw new ForbiddenError('no');
    });
    expect(await chain.execute(call(refusing), createAuditLog(failing))).toMatchObject({ kind: 'refused', code: 'audit_unavailable' });

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow: AuditStore = {
      ...store,
      append: async (next) => {
        await held;
        return store.append(next);
      },
    };
    let answered = false;
    const outcome = chain.execute(call(tool), createAuditLog(slow)).then((o) => ((answered = true), o));
    for (let i = 0; i < 10; i++) await turn();
    expect(answered).toBe(false);
    expect(await store.recent(1)).toEqual([]);
    release();
    expect(await outcome).toEqual({ kind: 'ok', output: { text: 'done' } });
    expect((await store.recent(1)).map((e) => [e.event, JSON.parse(e.dataJson).result])).toEqual([['tool_call', 'ok']]);
  });

  it('run receives the connection and approval grants and never the budget verdict', async () => {
    const grantsSeen: Grants[] = [];
    const grantsBeforeApprove: CallGrants[] = [];
    const grant: Gate = {
      name: 'approve',
      evaluate: async (_c, granted) => (
        grantsBeforeApprove.push(granted), { decision: 'allow', grant: { approval: { id: 'apr_9', approvedBy: 'alice', approvedAt: '2026-01-01T00:00:00.000Z' } } }
      ),
    };
    const { chain, audit } = setup({ approve: grant });
    const tool = defineTool({
      name: 'spend',
      description: 't',
      input: z.object({ amount: z.number() }),
      scopes: [],
      risk: 'medium',
      budget: { amount: (a) => ({ value: a.amount, currency: 'USD' }), limit: { USD: 100 }, windowSeconds: 60, over: 'approve' },
      run: async (_a, ctx) => (grantsSeen.push(ctx.grants), { text: 'ok' }),
    });
    expect((await chain.execute(call(tool, alice, { amount: 5 }), audit)).kind).toBe('ok');
    expect(grantsBeforeApprove).toEqual([{ budget: expect.objectContaining({ over: false, amount: 5 }) }]);
    expect(grantsSeen).toEqual([{ approval: { id: 'apr_9', approvedBy: 'alice', approvedAt: '2026-01-01T00:00:00.000Z' } }]);
  });
});
