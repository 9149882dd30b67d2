import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AuthorizationUnavailableError, ForbiddenError, InsufficientScopeError } from '../../src/errors.js';
import type { Authorizer, CheckQuery } from '../../src/fga/authorizer.js';
import { createAuthorizeGate } from '../../src/gates/authorize.js';
import { buildChain, GateNotConfiguredError, requireNoPolicy } from '../../src/gates/chain.js';
import type { Gate, ToolCall } from '../../src/gates/gate.js';
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
  return { tool, args, caller, credential: new BearerCredential('t'), resource: 'r', digest: 'd', signal: new AbortController().signal, decisions: [], grants: {}, progress: async () => {} };
}
const next = async () => ({ text: 'ran' });
const failNext = async (): Promise<never> => {
  throw new Error('next must not be called');
};
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
  it('passes when every declared scope is held', async () => {
    const c = call(readDoc);
    await expect(scopesGate.evaluate(c, next)).resolves.toEqual({ text: 'ran' });
    expect(c.decisions).toEqual([{ gate: 'scopes', decision: 'allow', detail: { required: ['docs:read'] } }]);
  });
  it('denies with the full required list and never calls next', async () => {
    const c = call(readDoc, { ...alice, scopes: ['identity:read'] });
    const err = await scopesGate.evaluate(c, failNext).catch((e) => e);
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect(err.required).toEqual(['docs:read']);
    expect(c.decisions[0]).toMatchObject({ decision: 'deny', detail: { missing: ['docs:read'] } });
  });
  it('honours the scope hierarchy (calendar:write implies calendar:read)', async () => {
    const cal = defineTool({ name: 'cal', description: 't', input: z.object({}), scopes: ['calendar:read'], risk: 'low', run: next });
    await expect(scopesGate.evaluate(call(cal, { ...alice, scopes: ['calendar:write'] }), next)).resolves.toEqual({ text: 'ran' });
  });
});

describe('authorize gate', () => {
  it('checks the declared relation on the object from the arguments, with time and org context', async () => {
    const seen: CheckQuery[] = [];
    const gate = createAuthorizeGate(authorizer(true, seen), () => new Date('2026-11-28T12:00:00Z'));
    await expect(gate.evaluate(call(readDoc), next)).resolves.toEqual({ text: 'ran' });
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
  it('a denial is ForbiddenError and next is never called', async () => {
    const c = call(readDoc);
    await expect(createAuthorizeGate(authorizer(false)).evaluate(c, failNext)).rejects.toThrow(new ForbiddenError('You do not have viewer access to document:q3-budget.'));
    expect(c.decisions).toEqual([{ gate: 'authorize', decision: 'deny', detail: { object: 'document:q3-budget', relation: 'viewer' } }]);
  });
  it('an FGA outage fails closed with its own error kind', async () => {
    const c = call(readDoc);
    const err = await createAuthorizeGate(authorizer(new AuthorizationUnavailableError('Authorization is unavailable.'))).evaluate(c, failNext).catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizationUnavailableError);
    expect(c.decisions[0]).toMatchObject({ gate: 'authorize', decision: 'error' });
  });
  it('machine clients have no user identity for FGA', async () => {
    await expect(createAuthorizeGate(authorizer(true)).evaluate(call(readDoc, { ...alice, kind: 'client' }), failNext)).rejects.toBeInstanceOf(ForbiddenError);
  });
  it('tools without the policy skip it', async () => {
    const plain = defineTool({ name: 'p', description: 't', input: z.object({}), scopes: [], risk: 'low', run: next });
    const c = call(plain);
    await expect(createAuthorizeGate(authorizer(new Error('must not be asked'))).evaluate(c, next)).resolves.toEqual({ text: 'ran' });
    expect(c.decisions).toEqual([{ gate: 'authorize', decision: 'skip' }]);
  });
});

describe('chain', () => {
  it('runs gates in the fixed order, then run', async () => {
    const order: string[] = [];
    const g = (name: string): Gate => ({ name, evaluate: async (_c, n) => (order.push(name), n()) });
    const chain = buildChain({ callers: g('callers'), scopes: g('scopes'), rateLimit: g('rateLimit'), authorize: g('authorize'), connect: g('connect'), budget: g('budget'), approve: g('approve') });
    await chain(call(readDoc), async () => (order.push('run'), { text: 'x' }));
    expect(order).toEqual(['callers', 'scopes', 'rateLimit', 'authorize', 'connect', 'budget', 'approve', 'run']);
  });
  it('a gate that throws stops everything after it', async () => {
    let ran = false;
    const pass: Gate = { name: 'p', evaluate: (_c, n) => n() };
    const chain = buildChain({ callers: pass, scopes: pass, rateLimit: pass, authorize: { name: 'a', evaluate: async () => Promise.reject(new ForbiddenError('no')) }, connect: pass, budget: pass, approve: pass });
    await expect(chain(call(readDoc), async () => ((ran = true), { text: 'x' }))).rejects.toBeInstanceOf(ForbiddenError);
    expect(ran).toBe(false);
  });
  it('an unconfigured slot refuses tools that declare its policy (fail closed)', async () => {
    const gate = requireNoPolicy('connect', (t) => t.connection !== undefined);
    const needs = defineTool({ name: 'n', description: 't', input: z.object({}), scopes: [], risk: 'low', connection: { connection: 'google-oauth2', scopes: [] }, run: next });
    await expect(gate.evaluate(call(needs), failNext)).rejects.toBeInstanceOf(GateNotConfiguredError);
  });
  it('defineTool refuses a high-risk tool without an approval policy', () => {
    expect(() => defineTool({ name: 'wire_money', description: 't', input: z.object({}), scopes: [], risk: 'high', run: next })).toThrow(TypeError);
  });
});
