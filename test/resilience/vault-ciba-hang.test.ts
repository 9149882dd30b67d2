import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCibaClient } from '../../src/approvals/ciba-client.js';
import { CircuitOpenError, UpstreamOverloadedError, UpstreamTimeoutError } from '../../src/errors.js';
import { BearerCredential, type Caller } from '../../src/identity/caller.js';
import { createUpstream, type UpstreamSettings } from '../../src/resilience/upstream.js';
import type { ConnectTickets } from '../../src/vault/connect-ticket.js';
import { MyAccountClient } from '../../src/vault/my-account-client.js';
import { openProviderSession } from '../../src/vault/provider-session.js';
import { issuerDiscovery } from '../../src/app/issuer-discovery.js';
import { federatedTokenExchange } from '../../src/vault/token-exchange.js';
import { TokenVault } from '../../src/vault/token-vault.js';

/**
 * A hung authorization server (and provider): discovery answers, but the token endpoint, bc-authorize,
 * the My Account API and the provider API accept requests and never answer. It records every request
 * and when the client gave it up (the socket closed), which shows aborted requests release their sockets.
 */
interface Held {
  readonly path: string;
  closed: boolean;
}
const DEADLINE_MS = 500;
const settings: UpstreamSettings = { deadlineMs: DEADLINE_MS, maxConcurrent: 2, breakerFailures: 2, breakerHalfOpenMs: 60_000 };
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const caller: Caller = { kind: 'user', sub: 'alice', clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 };

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
}

describe('hung vault, CIBA, My Account and provider endpoints: `timeout` within the deadline, sockets released, then `circuit_open`', () => {
  let server: Server;
  let issuer: string;
  const held: Held[] = [];
  const heldOn = (path: string) => held.filter((h) => h.path === path);

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer,
            token_endpoint: `${issuer}/oauth/token`,
            backchannel_authentication_endpoint: `${issuer}/bc-authorize`,
            jwks_uri: `${issuer}/.well-known/jwks.json`,
            grant_types_supported: ['urn:openid:params:grant-type:ciba'],
          }),
        );
        return;
      }
      const h: Held = { path, closed: false };
      held.push(h);
      req.resume();
      res.on('close', () => (h.closed = true));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** Waits until the server saw the held request's socket close (the client aborted it). */
  async function released(h: Held | undefined): Promise<boolean> {
    for (let i = 0; i < 50 && h && !h.closed; i++) await new Promise((r) => setTimeout(r, 20));
    return h?.closed === true;
  }

  it('Token Vault exchange: `timeout` within the deadline, the request aborted; after N timeouts `circuit_open` without a request', async () => {
    const client = issuerDiscovery(issuer, { allowInsecureRequests: true }).client({ clientId: 'custom-api', clientSecret: 's' }, 5);
    await client(); // discovery answers; only the token endpoint hangs
    const exchange = federatedTokenExchange(client, createUpstream('vault', 'the token vault', settings));
    for (let i = 0; i < settings.breakerFailures; i++) {
      const { value: e, ms } = await timed(failure(exchange('subject-token', 'google-oauth2')));
      expect(e).toBeInstanceOf(UpstreamTimeoutError);
      expect(e).toMatchObject({ code: 'timeout', upstream: 'vault', message: `The token vault did not answer within ${DEADLINE_MS} ms; the call was refused and nothing was done. Try again later.` });
      expect(ms).toBeLessThan(3 * DEADLINE_MS);
      expect(await released(heldOn('/oauth/token')[i])).toBe(true);
    }
    const sent = heldOn('/oauth/token').length;
    const e = await failure(exchange('subject-token', 'google-oauth2'));
    expect(e).toBeInstanceOf(CircuitOpenError);
    expect(e).toMatchObject({ code: 'circuit_open', upstream: 'vault' });
    expect(heldOn('/oauth/token')).toHaveLength(sent);
  });

  it('CIBA: bc-authorize and the token poll each answer `timeout` within the deadline and release the request', async () => {
    // Discovery runs inside the first call's deadline here, so this client gets a roomier one.
    const deadlineMs = 1000;
    const ciba = createCibaClient({ client: issuerDiscovery(issuer, { allowInsecureRequests: true }).client({ clientId: 'server', clientSecret: 's' }, 5), audience: 'http://127.0.0.1:1/mcp', clientId: 'server', clockSkewSeconds: 0, upstream: createUpstream('ciba', 'the approval service (CIBA)', { ...settings, deadlineMs, breakerFailures: 5 }) });
    const { value: a, ms: aMs } = await timed(failure(ciba.authorize({ sub: 'alice', bindingMessage: 'Pay 5 USD', authorizationDetails: [], requestedExpiry: 60 })));
    expect(a).toMatchObject({ code: 'timeout', upstream: 'ciba', message: `The approval service (CIBA) did not answer within ${deadlineMs} ms; the call was refused and nothing was done. Try again later.` });
    expect(aMs).toBeLessThan(3 * deadlineMs);
    expect(heldOn('/bc-authorize')).toHaveLength(1);
    expect(await released(heldOn('/bc-authorize').at(-1))).toBe(true);
    const { value: p, ms: pMs } = await timed(failure(ciba.poll('auth-req-1')));
    expect(p).toMatchObject({ code: 'timeout', upstream: 'ciba' });
    expect(pMs).toBeLessThan(3 * deadlineMs);
    expect(await released(heldOn('/oauth/token').at(-1))).toBe(true);
  });

  it('My Account API: `timeout` within the deadline; with the bulkhead full, one more call is refused at once with `overloaded`', async () => {
    const client = new MyAccountClient(issuer, createUpstream('my_account', 'the account service (My Account API)', { ...settings, deadlineMs: 1000 }));
    const body = { connection: 'google-oauth2', redirect_uri: `${issuer}/cb`, state: 's', code_challenge: 'c', scopes: [] };
    const waiting = [failure(client.connect('t', body)), failure(client.connect('t', body))];
    const { value: e, ms } = await timed(failure(client.connect('t', body)));
    expect(e).toBeInstanceOf(UpstreamOverloadedError);
    expect(e).toMatchObject({ code: 'overloaded', upstream: 'my_account', message: 'Too many calls are waiting on the account service (My Account API); the call was refused and nothing was done. Try again shortly.' });
    expect(ms).toBeLessThan(1000);
    for (const w of await Promise.all(waiting)) expect(w).toMatchObject({ code: 'timeout', upstream: 'my_account' });
    expect(heldOn('/me/v1/connected-accounts/connect')).toHaveLength(2);
  });

  it('provider API: a read times out as nothing done; a write that times out says it may have been carried out', async () => {
    const vault = new TokenVault(async () => ({ accessToken: 'provider-token', expiresIn: 3600, scopes: ['s'] }), {} as ConnectTickets, undefined, undefined, () =>
      createUpstream('provider:google-oauth2', 'the Google API', { ...settings, breakerFailures: 5 }),
    );
    const session = await openProviderSession({ vault, caller, credential: new BearerCredential('x'), need: { connection: 'google-oauth2', scopes: ['s'] }, apiBaseUrl: issuer });
    const { value: get, ms } = await timed(failure(session.fetch('calendar/v3/events')));
    expect(get).toMatchObject({ code: 'timeout', upstream: 'provider:google-oauth2', message: `The Google API did not answer within ${DEADLINE_MS} ms; the call was refused and nothing was done. Try again later.` });
    expect(ms).toBeLessThan(3 * DEADLINE_MS);
    expect(await released(heldOn('/calendar/v3/events').at(-1))).toBe(true);
    const post = await failure(session.fetch('gmail/v1/users/me/messages/send', { method: 'POST', body: { raw: 'x' } }));
    expect(post).toMatchObject({
      code: 'timeout',
      message: `The Google API did not answer within ${DEADLINE_MS} ms; the call was stopped, but the request may have been carried out: check before trying again.`,
    });
  });
});
