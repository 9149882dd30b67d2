import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHeadlessly } from '../../src/embedded/authserver/headless-connect.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { deviceFor, LAPTOP, waitForRequests } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectV2, jsonRpcOf, modernHeaders, modernRequest, rpc, tokenFor, type V2Client } from '../helpers/mcp-client.js';
import { week } from '../helpers/vault.js';

const URL_ELICITATION = { elicitation: { url: {} } };

/** Plays the user's browser on a connect URL the server handed out (the same ticket, not a new one). */
async function completeConnect(url: string, user: string): Promise<void> {
  const u = findDemoUser(user)!;
  const end = await connectHeadlessly(new URL(url), { user: u.id, password: u.password, email: u.email });
  expect(end.outcome).toBe('connected:google-oauth2');
}

type InputRequired = { resultType: 'input_required'; requestState: string; inputRequests?: Record<string, { method: string; params: { mode: string; url: string; message: string } }> };

describe('MCP 2026-07-28: connect and approval as input_required, resumed with a sealed requestState', () => {
  let gh: TestGatehouse;
  let clock = Date.now();
  const tokens: Record<string, string> = {};
  const clients: V2Client[] = [];
  const callRaw = (user: string, name: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}, capabilities: Record<string, unknown> = URL_ELICITATION) =>
    rpc(gh.mcpUrl, modernRequest('tools/call', { name, arguments: args, ...extra }, { capabilities }), { authorization: `Bearer ${tokens[user]}`, ...modernHeaders('tools/call', name) });
  const entries = async (event: string, since: number) => [...await gh.audit.recent(1000)].sort((a, b) => a.seq - b.seq).filter((e) => e.seq > since && e.event === event);
  const lastSeq = async () => Math.max(0, ...(await gh.audit.recent(1)).map((e) => e.seq));

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '0', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' }, { now: () => new Date(clock) });
    for (const user of ['alice', 'bob', 'carol']) tokens[user] = await tokenFor(gh, user, 'identity:read calendar:read purchases:create');
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await gh?.stop();
  });

  it('the v2 client: not connected -> input_required with a URL elicitation; the user connects at that URL; the client retries with the state and gets the events', async () => {
    const opened: string[] = [];
    const client = await connectV2(gh.mcpUrl, tokens.carol!, {
      onUrlElicitation: async (url) => {
        opened.push(url);
        await completeConnect(url, 'carol');
      },
    });
    clients.push(client);
    const since = await lastSeq();
    const r = await client.callTool({ name: 'list_calendar_events', arguments: week() });
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(new RegExp(`^${new URL(gh.mcpUrl).origin}/connect/google-oauth2\\?ticket=`));
    // Two calls (the first asked for input, the retry ran), each audited once by the chain.
    const calls = (await entries('tool_call', since)).filter((e) => e.data.tool === 'list_calendar_events');
    expect(calls.map((e) => e.data.result)).toEqual(['error', 'ok']);
  });

  it('on the wire: resultType input_required, the connect URL as a URL-mode elicitation, and a requestState', async () => {
    const m = await jsonRpcOf(await callRaw('alice', 'list_calendar_events', week()));
    const result = m.result as unknown as InputRequired;
    expect(result.resultType).toBe('input_required');
    expect(typeof result.requestState).toBe('string');
    const connect = result.inputRequests!.connect!;
    expect(connect.method).toBe('elicitation/create');
    expect(connect.params).toMatchObject({ mode: 'url', url: expect.stringMatching(/\/connect\/google-oauth2\?ticket=/), message: expect.stringContaining('Connect your Google account') });
  });

  it('a client without URL elicitation gets the tool error with the connect URL instead (no input_required it cannot answer)', async () => {
    const m = await jsonRpcOf(await callRaw('alice', 'list_calendar_events', week(), {}, {}));
    expect(m.result).toMatchObject({ resultType: 'complete', isError: true, structuredContent: { error: { code: 'not_connected' } } });
  });

  describe('a requestState resumes only the call it was issued for', () => {
    let state: string;
    beforeAll(async () => {
      const m = await jsonRpcOf(await callRaw('alice', 'list_calendar_events', week()));
      state = (m.result as unknown as InputRequired).requestState;
    });

    const refused = async (r: Response, reason: string, since: number) => {
      expect(r.status).toBe(200);
      const m = await jsonRpcOf(r);
      // The SDK's fixed answer for a refused state; the precise reason is in the audit log only.
      expect(m.error?.code).toBe(-32602);
      expect(m.error?.message).toBe('Invalid or expired requestState');
      expect(m.error?.data).toMatchObject({ reason: 'invalid_request_state' });
      // Refused before the chain: no call ran, the refusal is audited.
      expect(await entries('tool_call', since)).toEqual([]);
      expect((await entries('request_state_refused', since)).map((e) => e.data.reason)).toEqual([reason]);
    };

    it('replayed by another user: -32602, audited as other_caller, nothing run', async () => {
      const since = await lastSeq();
      await refused(await callRaw('bob', 'list_calendar_events', week(), { requestState: state }), 'other_caller', since);
    });

    it('with other arguments: -32602, audited as other_arguments', async () => {
      const since = await lastSeq();
      const other = { ...week(), to: new Date(Date.now() + 30 * 86_400_000).toISOString() };
      await refused(await callRaw('alice', 'list_calendar_events', other, { requestState: state }), 'other_arguments', since);
    });

    it('for another tool: -32602, audited as other_tool', async () => {
      const since = await lastSeq();
      await refused(await callRaw('alice', 'whoami', {}, { requestState: state }), 'other_tool', since);
    });

    it('tampered with: -32602, audited as forged', async () => {
      const since = await lastSeq();
      const [body, sig] = state.split('.');
      const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${Buffer.from(JSON.stringify({ ...payload, sub: 'bob' })).toString('base64url')}.${sig}`;
      await refused(await callRaw('bob', 'list_calendar_events', week(), { requestState: forged }), 'forged', since);
    });

    it('expired (15 minutes): -32602, audited as expired', async () => {
      const since = await lastSeq();
      clock += 15 * 60_000 + 1000;
      try {
        await refused(await callRaw('alice', 'list_calendar_events', week(), { requestState: state }), 'expired', since);
      } finally {
        clock = Date.now();
      }
    });

    it('by the same user with the same arguments, after connecting: the call runs', async () => {
      const first = (await jsonRpcOf(await callRaw('alice', 'list_calendar_events', week()))).result as unknown as InputRequired;
      await completeConnect(first.inputRequests!.connect!.params.url, 'alice');
      const m = await jsonRpcOf(await callRaw('alice', 'list_calendar_events', week(), { requestState: first.requestState }));
      expect(m.result).toMatchObject({ resultType: 'complete' });
      expect(m.result).not.toHaveProperty('isError');
    });
  });

  it('an open approval is input_required with a state; the retry after approving resumes the same approval and runs once', async () => {
    const since = await lastSeq();
    const first = (await jsonRpcOf(await callRaw('bob', 'purchase', { ...LAPTOP }))).result as unknown as InputRequired;
    expect(first.resultType).toBe('input_required');
    expect(first.inputRequests ?? {}).toEqual({});
    const device = await deviceFor(gh.issuer, 'bob');
    const [request] = await waitForRequests(device);
    await device.decide(request!.id, 'approve');
    // Another user cannot ride on bob's approval.
    const stolen = await jsonRpcOf(await callRaw('alice', 'purchase', { ...LAPTOP }, { requestState: first.requestState }));
    expect(stolen.error).toMatchObject({ code: -32602, data: { reason: 'invalid_request_state' } });
    expect((await entries('request_state_refused', since)).map((e) => [e.data.sub, e.data.reason])).toEqual([['alice', 'other_caller']]);
    let done: Record<string, unknown> | undefined;
    for (let i = 0; i < 20 && !done; i++) {
      const m = await jsonRpcOf(await callRaw('bob', 'purchase', { ...LAPTOP }, { requestState: first.requestState }));
      if ((m.result as { resultType?: string }).resultType === 'complete') done = m.result;
      else await new Promise((r) => setTimeout(r, 300));
    }
    expect(done, 'the approval resumed').toBeDefined();
    expect(done).not.toHaveProperty('isError');
    // One approval requested, and the retries resumed it rather than asking again.
    const approvals = await entries('approval_requested', since);
    expect(approvals).toHaveLength(1);
    expect((await entries('approval_resolved', since)).map((e) => [e.data.approvalId, e.data.decision])).toEqual([[approvals[0]!.data.approvalId, 'approved']]);
    const ok = (await entries('tool_call', since)).filter((e) => e.data.tool === 'purchase' && e.data.result === 'ok');
    expect(ok).toHaveLength(1);
    expect((await device.list()).requests).toEqual([]);
  });
});

describe('MCP 2026-07-28: a long approval streams progress to the v2 client, then the result', () => {
  let gh: TestGatehouse;
  let client: V2Client;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    client = await connectV2(gh.mcpUrl, await tokenFor(gh, 'bob', 'identity:read purchases:create'));
  });
  afterAll(async () => {
    await client?.close();
    await gh?.stop();
  });

  it('progress notifications name the binding message while the approval is open; approving ends the call with the order', async () => {
    const progress: string[] = [];
    const pending = client.callTool({ name: 'purchase', arguments: { ...LAPTOP } }, { onprogress: (p) => void progress.push(p.message ?? '') });
    const device = await deviceFor(gh.issuer, 'bob');
    const [request] = await waitForRequests(device);
    await device.decide(request!.id, 'approve');
    const r = await pending;
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toContain(request!.bindingMessage);
    expect(client.getProtocolEra()).toBe('modern');
  });
});
