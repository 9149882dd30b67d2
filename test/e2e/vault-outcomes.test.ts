import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHeadlessly } from '../../src/embedded/authserver/headless-connect.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { createLogger } from '../../src/log.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { stateRows } from '../helpers/state.js';
import { call, connectGoogle, week } from '../helpers/vault.js';

const G = 'https://www.googleapis.com/auth/';
const ALL = 'identity:read calendar:read calendar:write email:send';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

const lastToolCall = async (gh: TestGatehouse) =>
  JSON.parse((await stateRows<{ data: string }>(gh, "SELECT data FROM audit_log WHERE event = 'tool_call' ORDER BY seq DESC LIMIT 1"))[0]!.data) as {
    result: string;
    error?: string;
    decisions: { gate: string; decision: string; detail?: Record<string, unknown> }[];
  };

describe('Token Vault outcomes: each has its own code and message; provider tokens never leak', () => {
  let gh: TestGatehouse;
  const log = capture();
  const messages = new Map<string, string>();
  let alice: string;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_LOG_LEVEL: 'debug', GATEHOUSE_APPROVAL_WAIT_SECONDS: '0' }, { logger: log.logger });
    alice = await tokenFor(gh, 'alice', ALL);
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('not connected: -32042 URL elicitation, audited as a connect deny', async () => {
    const r = await call(gh, alice, 'list_calendar_events', week());
    expect(r.message.error?.code).toBe(-32042);
    expect(r.message.error!.message).toMatch(/^Connect your Google account to use this tool: open http:\/\/.+\/connect\/google-oauth2\?ticket=.+ \[not_connected\]$/);
    messages.set('not_connected', r.message.error!.message.replace(/\?ticket=\S+/, ''));
    const audit = await lastToolCall(gh);
    expect(audit.error).toBe('not_connected');
    expect(audit.decisions.find((d) => d.gate === 'connect')).toMatchObject({ decision: 'deny', detail: { connection: 'google-oauth2', reason: 'not_connected' } });
  });

  it('scope missing: connected for reading only, creating an event asks to reconnect (connection_scope_missing); reconnecting adds the scope', async () => {
    expect(await connectGoogle(gh, 'alice', [`${G}calendar.readonly`])).toMatchObject({ ok: true });
    expect((await call(gh, alice, 'list_calendar_events', week())).message.result?.isError).toBeFalsy();
    const { from } = week();
    const start = new Date(Date.parse(from) + 3 * 86_400_000 + 15 * 3600_000).toISOString();
    const end = new Date(Date.parse(start) + 1800_000).toISOString();
    const args = { title: 'Falcon retro', start, end, attendees: ['bob@acme.example'] };
    const r = await call(gh, alice, 'create_calendar_event', args);
    expect(r.message.error?.code).toBe(-32042);
    expect(r.message.error!.message).toContain('[connection_scope_missing]');
    messages.set('connection_scope_missing', r.message.error!.message.replace(/\?ticket=\S+/, ''));
    expect((await lastToolCall(gh)).error).toBe('connection_scope_missing');

    const u = findDemoUser('alice')!;
    const reconnect = await connectHeadlessly(new URL(r.message.error!.data!.elicitations![0]!.url), { user: u.id, password: u.password, email: u.email });
    expect(reconnect.outcome).toBe('connected:google-oauth2');
    const created = await call(gh, alice, 'create_calendar_event', args);
    expect(created.message.result?.isError).toBeFalsy();
    expect(created.message.result!.structuredContent!.event).toMatchObject({ title: 'Falcon retro', status: 'tentative', attendees: ['alice@acme.example', 'bob@acme.example'] });
    const audit = await lastToolCall(gh);
    expect(audit.decisions.find((d) => d.gate === 'connect')).toMatchObject({ decision: 'allow', detail: { connection: 'google-oauth2', connectedAccountId: expect.stringMatching(/^cac_/) } });
    // Reading still works: the reconnect asked for the union of scopes.
    const listed = await call(gh, alice, 'list_calendar_events', week());
    expect((listed.message.result!.structuredContent!.events as { title: string }[]).map((e) => e.title)).toContain('Falcon retro');
  });

  it('provider 401: the cached token is dropped, exchanged once more, and the call succeeds', async () => {
    const exchanges = () => log.lines.filter((l) => l.includes('"federated_token_exchange"')).length;
    expect((await call(gh, alice, 'list_calendar_events', week())).message.result?.isError).toBeFalsy();
    const before = exchanges();
    expect((await call(gh, alice, 'list_calendar_events', week())).message.result?.isError).toBeFalsy();
    expect(exchanges()).toBe(before); // served from the cache
    gh.providers!.invalidateAccessTokens();
    const r = await call(gh, alice, 'list_calendar_events', week());
    expect(r.message.result?.isError).toBeFalsy();
    expect(exchanges()).toBe(before + 1);
  });

  it('provider down: a tool error provider_error (cached token), or vault_unavailable when the vault cannot refresh', async () => {
    const bob = await tokenFor(gh, 'bob');
    expect(await connectGoogle(gh, 'bob')).toMatchObject({ ok: true });
    gh.providers!.setOutage(true);
    try {
      const r = await call(gh, alice, 'list_calendar_events', week());
      expect(r.message.result?.isError).toBe(true);
      expect(r.message.result!.structuredContent).toMatchObject({ error: { code: 'provider_error' } });
      messages.set('provider_error', r.message.result!.content[0]!.text);
      expect(r.message.result!.content[0]!.text).toBe('Google is unavailable right now (HTTP 503); nothing was changed. Try again later. [provider_error]');
      // No cached token (bob connected but never called): the vault's refresh at the provider fails.
      const again = await call(gh, bob, 'list_calendar_events', week());
      expect(again.message.result!.structuredContent).toMatchObject({ error: { code: 'vault_unavailable' } });
      messages.set('vault_refresh', again.message.result!.content[0]!.text);
    } finally {
      gh.providers!.setOutage(false);
    }
  });

  it('send_email passes the connect gate, then waits for a human approval: nothing is sent yet', async () => {
    const args = { to: ['bob@acme.example'], subject: 'Hi', body: 'Hello Bob' };
    const first = await call(gh, alice, 'send_email', args);
    expect(first.message.error?.message).toContain('[connection_scope_missing]'); // connected for calendar only
    const u = findDemoUser('alice')!;
    const grant = await connectHeadlessly(new URL(first.message.error!.data!.elicitations![0]!.url), { user: u.id, password: u.password, email: u.email });
    expect(grant.outcome).toBe('connected:google-oauth2');
    const r = await call(gh, alice, 'send_email', args);
    const text = r.message.result?.content[0]?.text ?? r.message.error?.message ?? '';
    expect(r.message.result!.structuredContent).toMatchObject({ error: { code: 'approval_pending' } });
    expect((await lastToolCall(gh)).decisions.find((d) => d.gate === 'connect')).toMatchObject({ decision: 'allow' });
    expect(text).not.toMatch(/ya29\./);
    expect(gh.providers!.data.sent.get('alice@acme.example')).toEqual([]);
  });

  it('every outcome has its own message, and no provider token is in logs, audit or results', async () => {
    expect(new Set(messages.values()).size).toBe(messages.size);
    expect(messages.size).toBe(4);
    const audit = (await stateRows<{ data: string }>(gh, 'SELECT data FROM audit_log')).map((r) => r.data).join('\n');
    const logs = log.lines.join('');
    for (const haystack of [audit, logs, [...messages.values()].join('\n')]) {
      expect(haystack).not.toMatch(/ya29\.|"1\/\/|4\/[A-Za-z0-9_-]{20}/);
      expect(haystack).not.toContain(alice);
    }
    const sealed = (gh.db.prepare('SELECT refresh_token FROM myaccount_connected_accounts').all() as { refresh_token: string }[]).map((r) => r.refresh_token);
    expect(sealed.length).toBeGreaterThan(0);
    for (const s of sealed) expect(s).toMatch(/^v1\./);
  });
});

describe('Token Vault outcome: the vault (authorization server) is down', () => {
  let gh: TestGatehouse;
  afterAll(async () => {
    await gh?.stop();
  });
  it('refuses with vault_unavailable, never runs the tool', async () => {
    gh = await startTestGatehouse();
    const alice = await tokenFor(gh, 'alice');
    expect(await connectGoogle(gh, 'alice')).toMatchObject({ ok: true });
    expect((await call(gh, alice, 'whoami')).message.result?.isError).toBeFalsy(); // JWKS now cached
    await gh.authServer!.close();
    const r = await call(gh, alice, 'list_calendar_events', week());
    expect(r.message.result?.isError).toBe(true);
    expect(r.message.result!.structuredContent).toMatchObject({ error: { code: 'vault_unavailable' } });
    expect(r.message.result!.content[0]!.text).toContain('cannot be reached');
    const audit = (await lastToolCall(gh)) as Awaited<ReturnType<typeof lastToolCall>> & { tool?: string; run?: unknown };
    expect([audit.tool, audit.result, audit.error, audit.run]).toEqual(['list_calendar_events', 'error', 'vault_unavailable', undefined]);
    expect(audit.decisions.find((d) => d.gate === 'connect')?.decision).not.toBe('allow');
  });
});
