import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/index.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call } from '../helpers/vault.js';

/** Only ever sent as an argument: it must not appear in any audit entry. */
const SECRET_ARG = 'arg-7c1e0b-never-in-the-log';

const failing = defineTool({
  name: 'failing_tool',
  description: 'Records a fact, then fails',
  input: z.object({ note: z.string() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  async run(_args, ctx) {
    ctx.audit?.({ stage: 'before-failure' });
    throw new Error('unexpected failure');
  },
});

const limited = defineTool({
  name: 'limited_tool',
  description: 'One call a minute',
  input: z.object({ note: z.string() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  rateLimit: { perMinute: 1 },
  async run() {
    return { text: 'ok' };
  },
});

const guarded = defineTool({
  name: 'guarded_tool',
  description: 'Needs viewer on the document',
  input: z.object({ id: z.string().regex(/^[a-z0-9-]+$/), note: z.string() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  authorize: { relation: 'viewer', object: (a) => `document:${a.id}` },
  async run() {
    return { text: 'ok' };
  },
});

describe('tool calls over MCP are audited once per call by the chain', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({}, { extraTools: [failing, limited, guarded] });
  });
  afterAll(async () => {
    await gh?.stop();
  });
  const entriesFor = async (tool: string) => [...await gh.audit.recent(1000)].sort((a, b) => a.seq - b.seq).filter((e) => (e.event === 'tool_call' || e.event === 'call_rejected') && e.data.tool === tool);
  const everything = async () => JSON.stringify(await gh.audit.recent(1000));

  it('a tool that fails: the client gets internal_error with a reference, and exactly one entry carries it with the facts run recorded', async () => {
    const r = await call(gh, await tokenFor(gh, 'alice'), 'failing_tool', { note: SECRET_ARG });
    expect(r.message.result?.isError).toBe(true);
    const error = (r.message.result?.structuredContent as { error: { code: string; reference: string } }).error;
    expect(error.code).toBe('internal_error');
    expect(error.reference).toMatch(/^[0-9a-f-]{36}$/);
    const entries = await entriesFor('failing_tool');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.event).toBe('tool_call');
    expect(entries[0]!.data).toMatchObject({ sub: 'alice', result: 'error', error: 'internal_error', reference: error.reference, run: { stage: 'before-failure' } });
    expect(await everything()).not.toContain(SECRET_ARG);
  });

  it('a call FGA denies: one entry with the authorize denial, nothing run', async () => {
    const r = await call(gh, await tokenFor(gh, 'alice'), 'guarded_tool', { id: 'q3-budget', note: SECRET_ARG });
    expect(r.message.result?.structuredContent).toMatchObject({ error: { code: 'forbidden' } });
    const entries = await entriesFor('guarded_tool');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toMatchObject({ result: 'error', error: 'forbidden' });
    expect(entries[0]!.data).not.toHaveProperty('run');
    expect((entries[0]!.data.decisions as { gate: string; decision: string }[]).at(-1)).toMatchObject({ gate: 'authorize', decision: 'deny' });
    expect(await everything()).not.toContain(SECRET_ARG);
  });

  it('over the rate limit: the first call has its tool_call entry, the second only a call_rejected entry', async () => {
    const token = await tokenFor(gh, 'bob');
    const first = await call(gh, token, 'limited_tool', { note: SECRET_ARG });
    expect(first.message.result?.isError).toBeFalsy();
    const second = await call(gh, token, 'limited_tool', { note: SECRET_ARG });
    expect(second.message.result?.structuredContent).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await entriesFor('limited_tool')).map((e) => [e.event, e.data.result ?? e.data.reason])).toEqual([
      ['tool_call', 'ok'],
      ['call_rejected', 'rate_limited'],
    ]);
    expect(await everything()).not.toContain(SECRET_ARG);
  });
});
