/**
 * The issuer is discovered once for the server's life: the token verifier, the Token Vault's two
 * clients and the CIBA client share one discovery, which is retried when it failed and never fetched
 * again once it succeeded. Counted where it lands: at the authorization server's HTTP server.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issuerDiscovery } from '../../src/app/issuer-discovery.js';
import { connectHeadlessly } from '../../src/embedded/authserver/headless-connect.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { deviceFor, LAPTOP, waitForRequests } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { signedAccessToken } from '../helpers/tokens.js';
import { call, week } from '../helpers/vault.js';

/** Every request for the issuer's metadata (OIDC or RFC 8414 discovery) that reaches a server on this port. */
function countMetadataRequests(port: () => number) {
  const seen: string[] = [];
  const onRequest = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    const address = server.address();
    const url = request.url ?? '';
    if (typeof address === 'object' && address?.port === port() && /^\/\.well-known\/(openid-configuration|oauth-authorization-server)/.test(url)) seen.push(url);
  };
  subscribe('http.server.request.start', onRequest);
  return { seen, stop: () => unsubscribe('http.server.request.start', onRequest) };
}

describe('one discovery of the issuer for the server\'s whole life', () => {
  let gh: TestGatehouse;
  let issuerPort = -1;
  const requests = countMetadataRequests(() => issuerPort);

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    issuerPort = Number(new URL(gh.issuer).port);
  });
  afterAll(async () => {
    requests.stop();
    await gh?.stop();
  });

  it('token verification, the connect flow, the Token Vault exchange and CIBA make one request for the metadata between them', async () => {
    // Tokens signed with the server's own key and a browser-like connect: the test itself discovers nothing.
    const token = await signedAccessToken(gh, { sub: 'alice', azp: 'gatehouse-cli', client_id: 'gatehouse-cli', scope: 'openid identity:read calendar:read purchases:create' });
    expect((await call(gh, token, 'whoami')).message.result?.isError).toBeFalsy();

    const notConnected = await call(gh, token, 'list_calendar_events', week());
    expect(notConnected.message.error?.code).toBe(-32042);
    const alice = findDemoUser('alice')!;
    const connected = await connectHeadlessly(new URL(notConnected.message.error!.data!.elicitations![0]!.url), { user: alice.id, password: alice.password, email: alice.email });
    expect(connected.outcome).toBe('connected:google-oauth2');
    const events = await call(gh, token, 'list_calendar_events', week());
    expect(events.message.result?.isError, JSON.stringify(events.message)).toBeFalsy();

    const buying = call(gh, token, 'purchase', LAPTOP);
    const device = await deviceFor(gh.issuer, 'alice');
    const [request] = await waitForRequests(device);
    await device.decide(request!.id, 'approve');
    const bought = await buying;
    expect(bought.message.result?.isError, JSON.stringify(bought.message)).toBeFalsy();
    expect((await gh.audit.recent(5)).find((e) => e.event === 'tool_call' && e.data.tool === 'purchase')?.data.decisions).toContainEqual(expect.objectContaining({ gate: 'approve', decision: 'allow' }));

    for (let i = 0; i < 3; i++) expect((await call(gh, token, 'list_calendar_events', week())).message.result?.isError).toBeFalsy();
    expect(requests.seen).toEqual(['/.well-known/openid-configuration']);
  });
});

describe('issuerDiscovery', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A loopback issuer that answers the discovery request with `statuses` in turn, then 200. */
  async function issuerAnswering(statuses: number[]) {
    const hits: string[] = [];
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const status = statuses.shift() ?? 200;
      const issuer = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` } : { error: 'temporarily_unavailable' }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
  }

  it('a failed discovery is not kept: the next use asks again, and once it succeeded no one asks again', async () => {
    const { issuer, hits } = await issuerAnswering([503]);
    const d = issuerDiscovery(issuer, { allowInsecureRequests: true });
    const vault = d.client({ clientId: 'server', clientSecret: 's' }, 5);
    await expect(vault()).rejects.toThrow();
    expect(hits).toHaveLength(1);
    const [config, again, metadata, ciba] = await Promise.all([vault(), vault(), d.metadata(), d.client({ clientId: 'server', clientSecret: 's' }, 10)()]);
    expect(hits).toEqual(['/.well-known/openid-configuration', '/.well-known/openid-configuration']);
    expect(config).toBe(again);
    expect(config.clientMetadata().client_id).toBe('server');
    expect(config.serverMetadata().token_endpoint).toBe(`${issuer}/token`);
    expect(metadata.jwks_uri).toBe(`${issuer}/jwks`);
    expect([config.timeout, ciba.timeout]).toEqual([5, 10]);
  });

  it('refuses plain http unless resolveBackends allowed it, and asks nothing', async () => {
    const { issuer, hits } = await issuerAnswering([]);
    await expect(issuerDiscovery(issuer, { allowInsecureRequests: false }).metadata()).rejects.toMatchObject({ code: 'OAUTH_HTTP_REQUEST_FORBIDDEN' });
    expect(hits).toEqual([]);
  });

  it('refuses metadata naming another issuer', async () => {
    const { issuer } = await issuerAnswering([]);
    const elsewhere = issuer.replace('127.0.0.1', 'localhost');
    await expect(issuerDiscovery(elsewhere, { allowInsecureRequests: true }).metadata()).rejects.toMatchObject({ code: 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' });
  });
});
