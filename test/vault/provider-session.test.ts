import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { BearerCredential, type Caller } from '../../src/identity/caller.js';
import type { ConnectTickets } from '../../src/vault/connect-ticket.js';
import { openProviderSession } from '../../src/vault/provider-session.js';
import { TokenVault } from '../../src/vault/token-vault.js';

const caller: Caller = { kind: 'user', sub: 'alice', clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 };
const need = { connection: 'google-oauth2', scopes: ['s'] };

describe('provider session: a provider 401 drops the token, exchanges once more, then fails clearly', () => {
  let server: Server;
  let base: string;
  let accept = new Set<string>();
  const seen: string[] = [];
  beforeAll(async () => {
    // A stand-in for the third-party API: accepts only the tokens in `accept`.
    server = createServer((req, res) => {
      const token = (req.headers.authorization ?? '').replace('Bearer ', '');
      seen.push(token);
      res.statusCode = accept.has(token) ? 200 : 401;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const vaultIssuing = () => {
    let n = 0;
    const exchange = async () => ({ accessToken: `tok-${++n}`, expiresIn: 3600, scopes: ['s'] });
    return { vault: new TokenVault(exchange, {} as ConnectTickets), count: () => n };
  };

  it('succeeds after one re-exchange when the second token works', async () => {
    const { vault, count } = vaultIssuing();
    accept = new Set(['tok-2']);
    const s = await openProviderSession({ vault, caller, credential: new BearerCredential('x'), need, apiBaseUrl: base });
    expect((await s.fetch('thing')).status).toBe(200);
    expect(count()).toBe(2);
  });

  it('fails with a ProviderError after exactly two exchanges when the provider keeps refusing', async () => {
    const { vault, count } = vaultIssuing();
    accept = new Set();
    const s = await openProviderSession({ vault, caller, credential: new BearerCredential('x'), need, apiBaseUrl: base });
    const err = await s.fetch('thing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toBe("Google rejected the connected account's token twice; nothing was changed. Reconnect the account if this persists.");
    expect((err as ProviderError).message).not.toContain('tok-');
    expect(count()).toBe(2);
  });

  it('never sends the token to another origin', async () => {
    const { vault } = vaultIssuing();
    const s = await openProviderSession({ vault, caller, credential: new BearerCredential('x'), need, apiBaseUrl: base });
    await expect(s.fetch('https://evil.example/x')).rejects.toThrow(TypeError);
    await expect(s.fetch('//evil.example/x')).rejects.toThrow(TypeError);
    expect(JSON.stringify({ token: s.accessToken })).toBe('{"token":"[redacted]"}');
  });
});
