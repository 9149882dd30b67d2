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
});

const ledger = { accountId: () => 'cac_1' } as unknown as ConnectedAccountsLedger;
const tickets = { issue: (sub: string, c: string) => `http://gh/connect/${c}?ticket=for-${sub}` } as unknown as ConnectTickets;

describe('connect gate', () => {
  it('skips tools without a connection', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => ({ accessToken: 'p' }), tickets), ledger, apiBaseUrls: {} });
    expect(await gate.evaluate(callFor(tool()), {})).toEqual({ decision: 'skip' });
  });

  it('grants the connection to run and records the account, never the token', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => ({ accessToken: 'provider-secret', expiresIn: 60, scopes: ['s'] }), tickets), ledger, apiBaseUrls: { g: 'http://api' } });
    const verdict = await gate.evaluate(callFor(tool({ connection: 'g', scopes: ['s'] })), {});
    expect(verdict).toMatchObject({ decision: 'allow', detail: { connection: 'g', connectedAccountId: 'cac_1', scopes: ['s'] }, grant: { connection: { connection: 'g', connectedAccountId: 'cac_1' } } });
    expect(JSON.stringify(verdict.detail)).not.toContain('provider-secret');
    expect(JSON.stringify(verdict)).not.toContain('provider-secret');
  });

  it('not connected: a NotConnectedError with a ticket URL for this caller', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => { throw new ConnectionNotFound('x'); }, tickets), ledger, apiBaseUrls: { g: 'http://api' } });
    expect(await gate.evaluate(callFor(tool({ connection: 'g', scopes: ['s'] })), {})).toEqual({
      decision: 'deny',
      detail: { connection: 'g', reason: 'not_connected' },
      error: expect.objectContaining({ code: 'not_connected', connectUrl: 'http://gh/connect/g?ticket=for-alice' }),
    });
  });

  it('refuses machine callers (no user to act for)', async () => {
    const gate = connectGate({ vault: new TokenVault(async () => ({ accessToken: 'p' }), tickets), ledger, apiBaseUrls: { g: 'http://api' } });
    expect(await gate.evaluate(callFor(tool({ connection: 'g', scopes: [] }), 'client'), {})).toMatchObject({ decision: 'deny', detail: { connection: 'g', reason: 'no end user' }, error: { code: 'forbidden' } });
  });
});
