import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { GateNotConfiguredError, buildChain } from '../../src/gates/chain.js';
import { createGates } from '../../src/gates/create-gates.js';
import type { ToolCall } from '../../src/gates/gate.js';
import type { Authorizer } from '../../src/fga/authorizer.js';
import { BearerCredential, type Caller } from '../../src/identity/caller.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { createBudgetStore } from '../../src/store/sqlite/budget-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../../src/store/sqlite/rate-limit-store.js';
import { defineTool, type AnyTool } from '../../src/tools/define.js';

const alice: Caller = { kind: 'user', sub: 'alice', clientId: 'c', scopes: ['docs:read', 'email:send'], permissions: [], issuer: 'https://issuer.example/', expiresAt: Math.floor(Date.now() / 1000) + 300 };
const authorizer = { check: vi.fn(async () => true) } as unknown as Authorizer;
const call = (tool: AnyTool): ToolCall => ({ tool, args: {}, caller: alice, credential: new BearerCredential('t'), resource: 'https://mcp.example/mcp', digest: 'd', signal: new AbortController().signal, progress: async () => {} });
const tool = (extra: Partial<Parameters<typeof defineTool>[0]>) =>
  defineTool({ name: 'x', description: 'x', input: z.object({}), scopes: ['docs:read'], risk: 'low', run: async () => ({ text: 'ran' }), ...extra });

describe('createGates: every gate built in one place, unconfigured capabilities fail closed', () => {
  const db = openDatabase(':memory:');
  const gates = createGates({ authorizer, budgets: createBudgetStore(db), rateLimits: createSqliteRateLimitStore(db) });

  it('names the seven slots in the chain order and builds each gate once', () => {
    expect(Object.values(gates).map((g) => g.name)).toEqual(['callers', 'scopes', 'rateLimit', 'authorize', 'connect', 'budget', 'approve']);
  });

  it('without Token Vault, a tool that declares a connection is refused and does not run; others run', async () => {
    const chain = buildChain(gates);
    const run = vi.fn(async () => ({ text: 'ran' }));
    const connected = tool({ connection: { connection: 'google-oauth2', scopes: ['x'] } });
    expect(await chain.walk(call(connected), run)).toMatchObject({ ok: false, error: expect.any(GateNotConfiguredError) });
    expect(run).not.toHaveBeenCalled();
    expect(await chain.walk(call(tool({})), run)).toMatchObject({ ok: true, output: { text: 'ran' } });
  });

  it('without CIBA, a tool that needs approval is refused and does not run', async () => {
    const run = vi.fn(async () => ({ text: 'ran' }));
    const walked = await buildChain(gates).walk(call(tool({ scopes: ['email:send'], risk: 'high', approval: 'always' })), run);
    expect(walked).toMatchObject({ ok: false, error: expect.any(GateNotConfiguredError) });
    expect(run).not.toHaveBeenCalled();
    expect(walked.decisions.at(-1)).toEqual({ gate: 'approve', decision: 'error', detail: { reason: 'approve gate not configured' } });
  });

  it('the backstop is audited: one tool_call entry, the slot recorded as an error, code upstream_unavailable, run not entered', async () => {
    const db = openDatabase(':memory:');
    const audit = createAuditLog(createSqliteAuditStore(db));
    let ran = false;
    const outcome = await buildChain(gates).execute(call(tool({ connection: { connection: 'google-oauth2', scopes: ['x'] }, run: async () => ((ran = true), { text: 'ran' }) })), audit);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'upstream_unavailable', error: expect.any(GateNotConfiguredError) });
    expect(ran).toBe(false);
    const entries = (await audit.recent(10)).filter((e) => e.event === 'tool_call');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toMatchObject({ result: 'error', error: 'upstream_unavailable' });
    expect((entries[0]!.data.decisions as unknown[]).at(-1)).toEqual({ gate: 'connect', decision: 'error', detail: { reason: 'connect gate not configured' } });
  });
});
