import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { ShutdownError } from '../../src/errors.js';
import { createAuthorizeGate } from '../../src/gates/authorize.js';
import { budgetGate } from '../../src/gates/budget.js';
import { callersGate } from '../../src/gates/callers.js';
import { approvalNotConfigured, buildChain, requireNoPolicy } from '../../src/gates/chain.js';
import type { ToolCall } from '../../src/gates/gate.js';
import { rateLimitGate } from '../../src/gates/rate-limit.js';
import { scopesGate } from '../../src/gates/scopes.js';
import { BearerCredential, type Caller } from '../../src/identity/caller.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { createBudgetStore } from '../../src/store/sqlite/budget-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../../src/store/sqlite/rate-limit-store.js';
import { defineTool, type AnyTool } from '../../src/tools/define.js';

/** The chain's stop signal (the end of a shutdown's drain): calls still in the chain end as `shutdown`, audited. */
const alice: Caller = { kind: 'user', sub: 'alice', clientId: 'app', scopes: ['docs:read'], permissions: [], issuer: 'i', expiresAt: 0 };
const tool = (run: AnyTool['run']) => defineTool({ name: 'work', description: 't', input: z.object({}), scopes: ['docs:read'], risk: 'low', run });
const call = (t: AnyTool): ToolCall => ({ tool: t, args: {}, caller: alice, credential: new BearerCredential('b'), resource: 'https://mcp.example/mcp', digest: 'd', signal: new AbortController().signal, progress: async () => {} });

function setup() {
  const db = openDatabase(':memory:');
  const audit = createAuditLog(createSqliteAuditStore(db));
  const stop = new AbortController();
  const chain = buildChain(
    {
      callers: callersGate,
      scopes: scopesGate,
      rateLimit: rateLimitGate(createSqliteRateLimitStore(db)),
      authorize: createAuthorizeGate({ check: async () => true, batchCheck: async () => [], listObjects: async () => ({ objects: [], complete: true }), writeTuples: async () => {} }),
      connect: requireNoPolicy('connect', () => false),
      budget: budgetGate(createBudgetStore(db)),
      approve: approvalNotConfigured,
    },
    { stop: stop.signal },
  );
  const calls = async () => (await audit.recent(100)).filter((e) => e.event === 'tool_call').map((e) => e.data);
  return { chain, audit, stop, calls };
}

describe('chain stop signal (shutdown cut)', () => {
  it('a tool that ignores its signal and never finishes: the call ends at the cut as shutdown, audited once with its gate decisions', async () => {
    const { chain, audit, stop, calls } = setup();
    let entered!: () => void;
    const running = new Promise<void>((r) => (entered = r));
    const outcome = chain.execute(call(tool(async () => (entered(), new Promise<never>(() => {})))), audit);
    await running;
    stop.abort(new ShutdownError('cut'));
    expect(await outcome).toMatchObject({ kind: 'refused', code: 'shutdown' });
    expect(await calls()).toEqual([expect.objectContaining({ tool: 'work', result: 'error', error: 'shutdown', decisions: expect.arrayContaining([{ gate: 'approve', decision: 'skip' }]) })]);
  });

  it('a tool that honours its signal sees it abort at the cut; its AbortError is reported as shutdown, not internal_error', async () => {
    const { chain, audit, stop, calls } = setup();
    let seen: AbortSignal | undefined;
    const outcome = chain.execute(
      call(
        tool(async (_a, { signal }) => {
          seen = signal;
          await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
          return { text: 'never' };
        }),
      ),
      audit,
    );
    await new Promise((r) => setImmediate(r));
    stop.abort(new ShutdownError('cut'));
    expect(await outcome).toMatchObject({ kind: 'refused', code: 'shutdown' });
    expect(seen?.aborted).toBe(true);
    expect((await calls()).map((d) => d.error)).toEqual(['shutdown']);
  });

  it('calls that finish are untouched, before and without a cut', async () => {
    const { chain, audit, calls } = setup();
    expect(await chain.execute(call(tool(async () => ({ text: 'ok' }))), audit)).toMatchObject({ kind: 'ok', output: { text: 'ok' } });
    expect((await calls()).map((d) => d.result)).toEqual(['ok']);
  });
});
