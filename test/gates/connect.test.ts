import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { connectGate } from '../../src/gates/connect.js';
import type { ToolCall } from '../../src/gates/gate.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { defineTool } from '../../src/tools/define.js';
import type { ConnectedAccountsLedger } from '../../src/vault/connected-accounts-ledger.js';
import type { ConnectTickets } from '../../src/vault/connect-ticket.js';
import { TokenVault } from '../../src/vault/token-vault.js';
import { ConnectionNotFound } from '../../src/vault/token-exchange.js';

const tool = (connection?: { connection: string; scopes: string[] }) =>
  defineTool({ name: 't', description: 'd', input: z.object({}), scopes: [], risk: 'low', connection, run: async () => ({ text: 'ok' }) });

const callFor = (t: ReturnType<typeof tool>, kind: 'user' | 'client' = 'user'): ToolCall => ({
  tool: t,
  args: {},
  caller: { kind, sub: 'alice', clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 },
  credential: new BearerCredential('subject'),
  resource: 'r',
  digest: 'd',
  signal: new AbortController().signal,
  progress: async () => undefined,
  decisions: [],
  grants: {},
});

const ledger = { accountId: () => 'cac_1' } as unknown as ConnectedAccountsLedger;
const tickets = { issue: (sub: string, c: string) => `http://gh/connect/${c}?ticket=for-${sub}` } as unknown as ConnectTickets;
const next = async () => ({ text: 'ran' });

describe('connect gate', () => {
  it('skips tools without a connection', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => ({ accessToken: 'p' }), tickets), ledger, apiBaseUrls: {} });
    const c = callFor(tool());
    expect(await gate.evaluate(c, next)).toEqual({ text: 'ran' });
    expect(c.decisions).toEqual([{ gate: 'connect', decision: 'skip' }]);
  });

  it('grants the connection to run and records the account, never the token', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => ({ accessToken: 'provider-secret', expiresIn: 60, scopes: ['s'] }), tickets), ledger, apiBaseUrls: { g: 'http://api' } });
    const c = callFor(tool({ connection: 'g', scopes: ['s'] }));
    await gate.evaluate(c, next);
    expect(c.grants.connection).toMatchObject({ connection: 'g', connectedAccountId: 'cac_1' });
    expect(c.decisions).toEqual([{ gate: 'connect', decision: 'allow', detail: { connection: 'g', connectedAccountId: 'cac_1', scopes: ['s'] } }]);
    expect(JSON.stringify(c.decisions)).not.toContain('provider-secret');
  });

  it('not connected: a NotConnectedError with a ticket URL for this caller; next is not called', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => { throw new ConnectionNotFound('x'); }, tickets), ledger, apiBaseUrls: { g: 'http://api' } });
    const c = callFor(tool({ connection: 'g', scopes: ['s'] }));
    let ran = false;
    await expect(gate.evaluate(c, async () => ((ran = true), { text: '' }))).rejects.toMatchObject({ code: 'not_connected', connectUrl: 'http://gh/connect/g?ticket=for-alice' });
    expect(ran).toBe(false);
    expect(c.decisions[0]).toMatchObject({ decision: 'deny', detail: { reason: 'not_connected' } });
  });

  it('refuses machine callers (no user to act for)', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => ({ accessToken: 'p' }), tickets), ledger, apiBaseUrls: { g: 'http://api' } });
    await expect(gate.evaluate(callFor(tool({ connection: 'g', scopes: [] }), 'client'), next)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
