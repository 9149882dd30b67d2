import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { CallerNotServedError, RateLimitedError } from '../../src/errors.js';
import { callersGate } from '../../src/gates/callers.js';
import { SKIP, type Gate, type ToolCall } from '../../src/gates/gate.js';
import { buildChain } from '../../src/gates/chain.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import type { RateLimitStore } from '../../src/store/ports/rate-limit-store.js';
import { rateLimitGate } from '../../src/gates/rate-limit.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../../src/store/sqlite/rate-limit-store.js';
import { builtinTools } from '../../src/tools/catalog/index.js';
import { purchaseTool } from '../../src/tools/catalog/purchase.js';
import { defineTool, type AnyTool, type CallerKind } from '../../src/tools/define.js';

const next = async () => ({ text: 'ran' });
const tool = (extra: { callers?: readonly CallerKind[]; rateLimit?: { perMinute: number } } = {}) =>
  defineTool({ name: 't', description: 'd', input: z.object({}), scopes: [], risk: 'low', ...extra, run: next });

function call(t: AnyTool, kind: CallerKind = 'user', sub = kind === 'user' ? 'alice' : 'svc@clients'): ToolCall {
  return {
    tool: t,
    args: {},
    caller: { kind, sub, clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 },
    credential: new BearerCredential('x'),
    resource: 'r',
    digest: 'd',
    signal: new AbortController().signal,
    progress: async () => {},
  };
}

describe('callers gate', () => {
  it('a tool serves users only unless it says otherwise', async () => {
    expect(await callersGate.evaluate(call(tool()), {})).toEqual({ decision: 'allow', detail: { kind: 'user' } });
    expect(await callersGate.evaluate(call(tool(), 'client'), {})).toEqual({ decision: 'deny', detail: { kind: 'client', served: ['user'] }, error: expect.any(CallerNotServedError) });
  });
  it('a tool for clients only refuses users with its own message', async () => {
    expect(await callersGate.evaluate(call(tool({ callers: ['client'] }), 'user'), {})).toMatchObject({ decision: 'deny', error: { code: 'caller_not_served', message: expect.stringContaining('machine clients only') } });
    expect(await callersGate.evaluate(call(tool({ callers: ['user', 'client'] }), 'client'), {})).toEqual({ decision: 'allow', detail: { kind: 'client' } });
  });
  it('every built-in tool states its callers explicitly', () => {
    const serves = Object.fromEntries([...builtinTools, purchaseTool(500)].map((t) => [t.name, t.callers]));
    expect(serves).toEqual({ whoami: ['user', 'client'], list_calendar_events: ['user'], create_calendar_event: ['user'], send_email: ['user'], purchase: ['user'] });
  });
});

describe('rate-limit gate', () => {
  it('allows perMinute calls per caller in any 60 s, then refuses with the seconds until a slot frees', async () => {
    let now = 1_000_000;
    const gate = rateLimitGate(createSqliteRateLimitStore(openDatabase(':memory:')), () => now);
    const t = tool({ rateLimit: { perMinute: 2 } });
    expect(await gate.evaluate(call(t), {})).toEqual({ decision: 'allow', detail: { perMinute: 2, used: 1 } });
    now += 20_000;
    expect(await gate.evaluate(call(t), {})).toEqual({ decision: 'allow', detail: { perMinute: 2, used: 2 } });
    now += 10_000;
    const refused = await gate.evaluate(call(t), {});
    expect(refused).toEqual({ decision: 'deny', detail: { perMinute: 2, retryAfterSeconds: 30 }, error: expect.any(RateLimitedError) });
    expect(refused).toMatchObject({ error: { code: 'rate_limited', retryAfterSeconds: 30 } });
    expect(await gate.evaluate(call(t, 'user', 'bob'), {})).toMatchObject({ decision: 'allow' });
    now += 30_000;
    expect(await gate.evaluate(call(t), {})).toMatchObject({ decision: 'allow' });
  });
  it('refused calls do not extend the window; tools without a limit pass', async () => {
    let now = 0;
    const gate = rateLimitGate(createSqliteRateLimitStore(openDatabase(':memory:')), () => now);
    const t = tool({ rateLimit: { perMinute: 1 } });
    expect(await gate.evaluate(call(t), {})).toMatchObject({ decision: 'allow' });
    now += 30_000;
    for (let i = 0; i < 5; i++) expect(await gate.evaluate(call(t), {})).toMatchObject({ decision: 'deny', error: expect.any(RateLimitedError) });
    now += 30_000;
    expect(await gate.evaluate(call(t), {})).toMatchObject({ decision: 'allow' });
    for (let i = 0; i < 100; i++) expect(await gate.evaluate(call(tool()), {})).toEqual({ decision: 'skip' });
  });
  it('a tool without a limit never reaches the Store; a limited tool makes one hit per call, keyed by tool and caller', async () => {
    const hits: [string, number, number, number][] = [];
    const store: RateLimitStore = { hit: async (...args) => (hits.push(args), { allowed: true, used: hits.length }) };
    const gate = rateLimitGate(store, () => 5_000);
    for (let i = 0; i < 20; i++) expect(await gate.evaluate(call(tool()), {})).toBe(SKIP);
    expect(hits).toEqual([]);
    expect(await gate.evaluate(call(tool({ rateLimit: { perMinute: 7 } }), 'user', 'bob'), {})).toEqual({ decision: 'allow', detail: { perMinute: 7, used: 1 } });
    expect(hits).toEqual([['t\u0000bob', 5_000, 60_000, 7]]);
  });
  it('a Store that cannot answer refuses the call (internal_error, not rate_limited) and nothing runs', async () => {
    const down = new Error('database unreachable');
    const store: RateLimitStore = { hit: async () => Promise.reject(down) };
    const run = vi.fn(async () => ({ text: 'ran' }));
    const pass: Gate = { name: 'pass', evaluate: async () => SKIP };
    const chain = buildChain({ callers: callersGate, scopes: pass, rateLimit: rateLimitGate(store), authorize: pass, connect: pass, budget: pass, approve: pass });
    const audit = createAuditLog(createSqliteAuditStore(openDatabase(':memory:')));
    const limited = defineTool({ name: 'limited', description: 'd', input: z.object({}), scopes: [], risk: 'low', rateLimit: { perMinute: 5 }, run });
    const outcome = await chain.execute(call(limited), audit);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'internal_error' });
    expect(run).not.toHaveBeenCalled();
    const [entry] = (await audit.recent(10)).filter((e) => e.event === 'tool_call');
    expect(entry!.data).toMatchObject({ tool: 'limited', result: 'error', error: 'internal_error' });
    expect((entry!.data.decisions as { gate: string; decision: string }[]).at(-1)).toEqual({ gate: 'rateLimit', decision: 'error' });
  });
  it('the built-in side-effect tools have limits', () => {
    const limits = Object.fromEntries([...builtinTools, purchaseTool(500)].filter((t) => t.rateLimit).map((t) => [t.name, t.rateLimit!.perMinute]));
    expect(limits).toEqual({ create_calendar_event: 30, send_email: 10, purchase: 10 });
  });
});
