import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AuthorizationUnavailableError, ForbiddenError, InsufficientScopeError } from '../../src/errors.js';
import type { Authorizer, CheckQuery } from '../../src/fga/authorizer.js';
import { createAuthorizeGate } from '../../src/gates/authorize.js';
import { buildChain, GateNotConfiguredError, requireNoPolicy, type GateSet } from '../../src/gates/chain.js';
import type { CallGrants, Gate, ToolCall } from '../../src/gates/gate.js';
import { scopesGate } from '../../src/gates/scopes.js';
import { BearerCredential, type Caller } from '../../src/identity/caller.js';
import { defineTool, type AnyTool } from '../../src/tools/define.js';

const alice: Caller = { kind: 'user', sub: 'alice', clientId: 'c', orgId: 'org_acme', scopes: ['docs:read'], permissions: [], issuer: 'i', expiresAt: 0 };
const readDoc = defineTool({
  name: 'read_doc',
  description: 't',
  input: z.object({ id: z.string() }),
  scopes: ['docs:read'],
  risk: 'low',
  authorize: { relation: 'viewer', object: (a) => `document:${a.id}` },
  async run(a) {
    return { text: a.id };
  },
});

function call(tool: AnyTool, caller: Caller = alice, args: Record<string, unknown> = { id: 'q3-budget' }): ToolCall {
  return { tool, args, caller, credential: new BearerCredential('t'), resource: 'r', digest: 'd', signal: new AbortController().signal, progress: async () => {} };
}
const next = async () => ({ text: 'ran' });
const authorizer = (answer: boolean | Error, seen: CheckQuery[] = []): Authorizer => ({
  async check(q) {
    seen.push(q);
    if (answer instanceof Error) throw answer;
    return answer;
  },
  batchCheck: async () => [],
  listObjects: async () => ({ objects: [], complete: true }),
  writeTuples: async () => {},
});

describe('scopes gate', () => {
  it('allows when every declared scope is held', async () => {
    expect(await scopesGate.evaluate(call(readDoc), {})).toEqual({ decision: 'allow', detail: { required: ['docs:read'] } });
  });
  it('denies with the full required list', async () => {
    const verdict = await scopesGate.evaluate(call(readDoc, { ...alice, scopes: ['identity:read'] }), {});
    expect(verdict).toMatchObject({ decision: 'deny', detail: { required: ['docs:read'], missing: ['docs:read'] } });
    const err = 'error' in verdict ? verdict.error : undefined;
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect((err as InsufficientScopeError).required).toEqual(['docs:read']);
  });
  it('honours the scope hierarchy (calendar:write implies calendar:read)', async () => {
    const cal = defineTool({ name: 'cal', description: 't', input: z.object({}), scopes: ['calendar:read'], risk: 'low', run: next });
    expect(await scopesGate.evaluate(call(cal, { ...alice, scopes: ['calendar:write'] }), {})).toMatchObject({ decision: 'allow' });
  });
});

describe('authorize gate', () => {
  it('checks the declared relation on the object from the arguments, with time and org context', async () => {
    const seen: CheckQuery[] = [];
    const gate = createAuthorizeGate(authorizer(true, seen), () => new Date('2026-11-28T12:00:00Z'));
    expect(await gate.evaluate(call(readDoc), {})).toEqual({ decision: 'allow', detail: { object: 'document:q3-budget', relation: 'viewer' } });
    expect(seen).toEqual([
      {
        user: 'user:alice',
        relation: 'viewer',
        object: 'document:q3-budget',
        context: { current_time: '2026-11-28T12:00:00.000Z' },
        // the token's org narrows only: never an unconditioned `member` tuple (see authz/model.fga)
        contextualTuples: [{ user: 'user:alice', relation: 'session_member', object: 'organization:org_acme' }],
      },
    ]);
  });
  it('a denial is ForbiddenError naming the relation and object', async () => {
    expect(await createAuthorizeGate(authorizer(false)).evaluate(call(readDoc), {})).toEqual({
      decision: 'deny',
      detail: { object: 'document:q3-budget', relation: 'viewer' },
      error: new ForbiddenError('You do not have viewer access to document:q3-budget.'),
    });
  });
  it('an FGA outage fails closed with its own error kind, recorded as an error', async () => {
    const outage = new AuthorizationUnavailableError('Authorization is unavailable.');
    expect(await createAuthorizeGate(authorizer(outage)).evaluate(call(readDoc), {})).toEqual({ decision: 'error', detail: { object: 'document:q3-budget', relation: 'viewer' }, error: outage });
  });
  it('machine clients have no user identity for FGA', async () => {
    const verdict = await createAuthorizeGate(authorizer(true)).evaluate(call(readDoc, { ...alice, kind: 'client' }), {});
    expect(verdict).toMatchObject({ decision: 'deny', detail: { reason: 'client caller' }, error: expect.any(ForbiddenError) });
  });
  it('tools without the policy skip it, and FGA is not asked', async () => {
    const plain = defineTool({ name: 'p', description: 't', input: z.object({}), scopes: [], risk: 'low', run: next });
    expect(await createAuthorizeGate(authorizer(new Error('must not be asked'))).evaluate(call(plain), {})).toEqual({ decision: 'skip' });
  });
});

describe('chain', () => {
  const allow = (name: string, order: string[] = []): Gate => ({ name, evaluate: async () => (order.push(name), { decision: 'allow' }) });
  const gateSet = (over: Partial<GateSet> = {}, order: string[] = []): GateSet => ({
    callers: allow('callers', order),
    scopes: allow('scopes', order),
    rateLimit: allow('rateLimit', order),
    authorize: allow('authorize', order),
    connect: allow('connect', order),
    budget: allow('budget', order),
    approve: allow('approve', order),
    ...over,
  });

  it('asks the gates in the fixed order, records each decision, then runs', async () => {
    const order: string[] = [];
    const walked = await buildChain(gateSet({}, order)).walk(call(readDoc), async () => (order.push('run'), { text: 'x' }));
    expect(order).toEqual(['callers', 'scopes', 'rateLimit', 'authorize', 'connect', 'budget', 'approve', 'run']);
    expect(walked).toEqual({ ok: true, output: { text: 'x' }, grants: {}, decisions: order.slice(0, -1).map((gate) => ({ gate, decision: 'allow' })) });
  });
  it('a gate that stops the call stops everything after it; its error is the outcome', async () => {
    const order: string[] = [];
    const no = new ForbiddenError('no');
    const chain = buildChain(gateSet({ authorize: { name: 'authorize', evaluate: async () => ({ decision: 'deny', detail: { why: 'test' }, error: no }) } }, order));
    const walked = await chain.walk(call(readDoc), async () => (order.push('run'), { text: 'x' }));
    expect(order).toEqual(['callers', 'scopes', 'rateLimit']);
    expect(walked).toMatchObject({ ok: false, error: no });
    expect(walked.decisions.at(-1)).toEqual({ gate: 'authorize', decision: 'deny', detail: { why: 'test' } });
  });
  it('a gate that throws is recorded as an error decision and stops the call', async () => {
    const bug = new TypeError('a bug in a gate');
    let ran = false;
    const walked = await buildChain(gateSet({ connect: { name: 'connect', evaluate: async () => Promise.reject(bug) } })).walk(call(readDoc), async () => ((ran = true), { text: 'x' }));
    expect(ran).toBe(false);
    expect(walked).toMatchObject({ ok: false, error: bug });
    expect(walked.decisions.map((d) => `${d.gate}:${d.decision}`)).toEqual(['callers:allow', 'scopes:allow', 'rateLimit:allow', 'authorize:allow', 'connect:error']);
  });
  it('each gate sees what the gates before it granted; a release runs only when a later gate stops the call before run', async () => {
    const released: string[] = [];
    const seen: CallGrants[] = [];
    const budget: Gate = { name: 'budget', evaluate: async () => ({ decision: 'allow', grant: { budget: { over: true, amount: 1, currency: 'USD', used: 0, limit: 0, windowSeconds: 1 } }, release: async () => void released.push('budget') }) };
    const approve = (stop: boolean): Gate => ({ name: 'approve', evaluate: async (_c, granted) => (seen.push(granted), stop ? { decision: 'pending', error: new ForbiddenError('wait') } : { decision: 'allow' }) });
    await buildChain(gateSet({ budget, approve: approve(true) })).walk(call(readDoc), next);
    expect(seen[0]?.budget).toMatchObject({ over: true });
    expect(released).toEqual(['budget']);
    await buildChain(gateSet({ budget, approve: approve(false) })).walk(call(readDoc), async () => Promise.reject(new Error('failed after acting')));
    expect(released).toEqual(['budget']);
  });
  it('a release that fails does not hide the refusal that triggered it', async () => {
    const budget: Gate = { name: 'budget', evaluate: async () => ({ decision: 'allow', release: () => { throw new Error('store down'); } }) };
    const no = new ForbiddenError('no');
    const walked = await buildChain(gateSet({ budget, approve: { name: 'approve', evaluate: async () => ({ decision: 'deny', error: no }) } })).walk(call(readDoc), next);
    expect(walked).toMatchObject({ ok: false, error: no });
    expect(walked.decisions.at(-1)).toEqual({ gate: 'approve', decision: 'deny' });
  });
  it('an unconfigured slot refuses tools that declare its policy (fail closed) and skips the others', async () => {
    const gate = requireNoPolicy('connect', (t) => t.connection !== undefined);
    const needs = defineTool({ name: 'n', description: 't', input: z.object({}), scopes: [], risk: 'low', connection: { connection: 'google-oauth2', scopes: [] }, run: next });
    expect(await gate.evaluate(call(needs), {})).toEqual({ decision: 'error', detail: { reason: 'connect gate not configured' }, error: expect.any(GateNotConfiguredError) });
    expect(await gate.evaluate(call(readDoc), {})).toEqual({ decision: 'skip' });
  });
  it('defineTool refuses a high-risk tool without an approval policy', () => {
    expect(() => defineTool({ name: 'wire_money', description: 't', input: z.object({}), scopes: [], risk: 'high', run: next })).toThrow(TypeError);
  });
});
