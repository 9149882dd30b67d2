import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeHeadlessly } from '../../../src/embedded/authserver/headless-login.js';
import { CookieJar } from '../../../src/embedded/authserver/cookie-jar.js';
import { startClientMetadataHost, type ClientMetadataHost } from '../../helpers/client-metadata-host.js';
import { testCertificates } from '../../helpers/test-ca.js';
import { bootstrapAuthServer, MCP_URL, scopesOf, verifyAccessToken, type AuthServerFixture } from './bootstrap.js';
import { pkceParams } from './clients.js';

const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const SPECIAL_USE = 'client_id metadata document host is a loopback, private, link-local or other special-use address';

/** A DNS name that resolves to the cloud metadata address (resolved by the server under test, not by URL text). */
const REBINDING_NAME = 'metadata.attacker.test';

let host: ClientMetadataHost;
/** Production rules, trusting the test CA: only the address rule can refuse a document on loopback. */
let strict: AuthServerFixture;
/** The test-only setting: loopback allowed, so the document's own faults are what gets refused. */
let relaxed: AuthServerFixture;

beforeAll(async () => {
  host = await startClientMetadataHost();
  const extraCa = testCertificates().caPem;
  strict = await bootstrapAuthServer({
    clientIdMetadataDocuments: {
      extraCa,
      resolve: async (name) => (name === REBINDING_NAME ? [{ address: '169.254.169.254', family: 4 }] : lookup(name, { all: true })),
    },
  });
  relaxed = await bootstrapAuthServer({ clientIdMetadataDocuments: { extraCa, allowSpecialUseAddresses: true, timeoutMs: 500 } });
});
afterAll(async () => {
  await strict?.close();
  await relaxed?.close();
  await host?.close();
});

/** A well-formed document for the path on the test host. */
function documentFor(path: string, extra: Record<string, unknown> = {}) {
  const clientId = `${host.origin}${path}`;
  return { clientId, body: { client_id: clientId, client_name: 'CIMD test client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', ...extra } };
}

function publish(path: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): string {
  const doc = documentFor(path, extra);
  host.json(path, doc.body, headers);
  return doc.clientId;
}

/** An authorization request as an attacker (or a browser) sends it. */
async function authorize(fx: AuthServerFixture, clientId: string, opts: { html?: boolean; redirectUri?: string } = {}): Promise<Response> {
  const { params } = await pkceParams();
  const url = new URL(`${fx.server.issuer}/authorize`);
  for (const [k, v] of Object.entries({ ...params, client_id: clientId, redirect_uri: opts.redirectUri ?? REDIRECT_URI, response_type: 'code', scope: 'openid identity:read', resource: MCP_URL })) url.searchParams.set(k, v);
  return fetch(url, { redirect: 'manual', headers: { accept: opts.html ? 'text/html' : 'application/json' } });
}

/** The JSON answer of the token endpoint (and every other JSON endpoint that looks a client up). */
async function expectRefused(res: Response, description: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ error: 'invalid_client', error_description: description });
}

/** /authorize never redirects to an unidentified client: the browser gets our error page with the reason. */
async function expectRefusedPage(res: Response, description: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  const page = await res.text();
  expect(page).toContain('<p class="error" role="alert" data-error="invalid_client">');
  expect(page).toContain(`The application could not be identified: ${description}. Start again from your application.`);
}

describe('client ID metadata documents: the positive path', () => {
  it('advertises client_id_metadata_document_supported and keeps dynamic client registration', async () => {
    const meta = (await (await fetch(`${strict.server.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta.client_id_metadata_document_supported).toBe(true);
    expect(meta.registration_endpoint).toBe(`${strict.server.issuer}/oidc/register`);
  });

  it('an https client_id is fetched, the user logs in and consents, and the token is for the MCP resource with third-party scopes', async () => {
    const clientId = publish('/good/client.json');
    const config = await oidc.discovery(new URL(relaxed.server.issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const start = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, scope: 'identity:read docs:read', resource: MCP_URL });
    const callback = await authorizeHeadlessly(start, { user: 'alice', password: 'alice-demo-pw', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: MCP_URL });
    const { payload } = await verifyAccessToken(relaxed, tokens.access_token);
    expect(payload.sub).toBe('alice');
    expect(payload.azp).toBe(clientId);
    expect(scopesOf(payload)).toEqual(['docs:read', 'identity:read']);
    expect(host.hits('/good/client.json')).toBeGreaterThan(0);
  });

  it('the consent page marks the client unverified and names the host that publishes its document', async () => {
    const clientId = publish('/consent/client.json');
    const first = await authorize(relaxed, clientId, { html: true });
    expect(first.status).toBe(303);
    const jar = new CookieJar();
    jar.store(first);
    const loginUrl = new URL(first.headers.get('location')!, relaxed.server.issuer);
    const loginPage = await (await fetch(loginUrl, { headers: { cookie: jar.header() } })).text();
    expect(loginPage).toContain('<strong>CIMD test client</strong> <span class="badge" data-mark="unverified"');
    const csrf = /name="csrf" value="([^"]*)"/.exec(loginPage)![1]!;
    const login = await fetch(new URL(`${loginUrl.pathname}/login`, loginUrl), { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, username: 'alice', password: 'alice-demo-pw' }) });
    jar.store(login);
    const resume = await fetch(new URL(login.headers.get('location')!, loginUrl), { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(resume);
    const consent = await (await fetch(new URL(resume.headers.get('location')!, loginUrl), { headers: { cookie: jar.header() } })).text();
    expect(consent).toContain('data-mark="unverified"');
    expect(consent).toContain(`published by <strong data-metadata-host="localhost:${host.port}">localhost:${host.port}</strong>`);
    expect(consent).toContain('<strong data-redirect-host="127.0.0.1:53682">127.0.0.1:53682</strong> (an application on this device)');
  });

  it('caches a document only as its cache headers allow: no-store is fetched again, max-age is not', async () => {
    const noStore = publish('/cache/no-store.json', {}, { 'cache-control': 'no-store' });
    expect((await authorize(relaxed, noStore)).status).toBe(303);
    expect((await authorize(relaxed, noStore)).status).toBe(303);
    expect(host.hits('/cache/no-store.json')).toBe(2);
    const maxAge = publish('/cache/max-age.json', {}, { 'cache-control': 'public, max-age=600' });
    expect((await authorize(relaxed, maxAge)).status).toBe(303);
    expect((await authorize(relaxed, maxAge)).status).toBe(303);
    expect(host.hits('/cache/max-age.json')).toBe(1);
  });
});

describe('client ID metadata documents: server-side request forgery, from the attacker side', () => {
  it('an http:// client_id is no metadata document: invalid_client, and nothing is fetched', async () => {
    let hits = 0;
    const plain = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const clientId = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/client.json`;
      const res = await authorize(strict, clientId);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('<p class="error" role="alert">The request could not be completed (invalid_client).');
      expect(hits).toBe(0);
    } finally {
      plain.close();
    }
  });

  it('a client_id on localhost (a real document, a trusted certificate) is refused: the name resolves to loopback', async () => {
    const clientId = publish('/ssrf/localhost.json');
    await expectRefusedPage(await authorize(strict, clientId), SPECIAL_USE);
    expect(host.hits('/ssrf/localhost.json')).toBe(0);
  });

  it.each([
    ['127.0.0.1', (port: number) => `https://127.0.0.1:${port}/ssrf/literal.json`],
    ['::1', (port: number) => `https://[::1]:${port}/ssrf/literal.json`],
    ['::ffff:127.0.0.1', (port: number) => `https://[::ffff:127.0.0.1]:${port}/ssrf/literal.json`],
    ['0x7f.0.0.1 (hexadecimal, read as 127.0.0.1)', (port: number) => `https://0x7f.0.0.1:${port}/ssrf/literal.json`],
    ['2130706433 (one number, read as 127.0.0.1)', (port: number) => `https://2130706433:${port}/ssrf/literal.json`],
    ['10.0.0.1', () => 'https://10.0.0.1/client.json'],
    ['169.254.169.254', () => 'https://169.254.169.254/latest/meta-data/client.json'],
    ['fd00::1', () => 'https://[fd00::1]/client.json'],
    ['a name resolving to 169.254.169.254', () => `https://${REBINDING_NAME}/client.json`],
  ])('a client_id at %s is refused before any connection', async (_label, url) => {
    host.json('/ssrf/literal.json', { client_id: url(host.port) });
    await expectRefusedPage(await authorize(strict, url(host.port)), SPECIAL_USE);
    expect(host.hits('/ssrf/literal.json')).toBe(0);
  });

  it('the token endpoint gives the same answer', async () => {
    const clientId = publish('/ssrf/token.json');
    const res = await fetch(`${strict.server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, code_verifier: 'x'.repeat(43), client_id: clientId }),
    });
    await expectRefused(res, SPECIAL_USE);
  });

});

describe('client ID metadata documents: what the fetched document may be', () => {
  it('larger than 5 KB: refused (declared length)', async () => {
    const clientId = publish('/doc/large.json', { client_uri: `https://example.com/${'a'.repeat(6000)}` });
    await expectRefusedPage(await authorize(relaxed, clientId), 'client_id metadata document is larger than 5120 bytes');
  });

  it('larger than 5 KB without a declared length (chunked): refused', async () => {
    const { clientId, body } = documentFor('/doc/chunked.json', { client_uri: `https://example.com/${'a'.repeat(6000)}` });
    host.route('/doc/chunked.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = JSON.stringify(body);
      res.write(text.slice(0, 3000));
      res.end(text.slice(3000));
    });
    await expectRefusedPage(await authorize(relaxed, clientId), 'client_id metadata document is larger than 5120 bytes');
  });

  it('never answering: refused at the time limit', async () => {
    const clientId = `${host.origin}/doc/slow.json`;
    host.route('/doc/slow.json', () => undefined);
    await expectRefusedPage(await authorize(relaxed, clientId), 'client_id metadata document was not received in time');
  });

  it('a redirect is not followed', async () => {
    const target = publish('/doc/target.json');
    const clientId = `${host.origin}/doc/redirect.json`;
    host.route('/doc/redirect.json', (_req, res) => res.writeHead(302, { location: target }).end());
    await expectRefusedPage(await authorize(relaxed, clientId), 'client_id metadata document answered with a redirect, which is not followed');
    expect(host.hits('/doc/target.json')).toBe(0);
  });

  it('not served as JSON: refused', async () => {
    const { clientId, body } = documentFor('/doc/html.json');
    host.route('/doc/html.json', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify(body)));
    await expectRefusedPage(await authorize(relaxed, clientId), 'client_id metadata document is not served as application/json');
  });

  it('a client_id in the document that differs from its URL: refused', async () => {
    const clientId = `${host.origin}/doc/other-id.json`;
    host.json('/doc/other-id.json', documentFor('/doc/someone-else.json').body);
    await expectRefusedPage(await authorize(relaxed, clientId), 'client_id metadata document client_id does not match the expected value');
  });

  it.each([
    ['client_credentials', 'client_credentials'],
    ['CIBA', 'urn:openid:params:grant-type:ciba'],
    ['token exchange', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    ['the Token Vault exchange', 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token'],
  ])('a document asking for %s: refused (third-party clients get authorization_code and refresh_token only)', async (_label, grant) => {
    const path = `/doc/grant-${encodeURIComponent(grant)}.json`;
    const clientId = publish(path, { grant_types: ['authorization_code', grant] });
    await expectRefusedPage(await authorize(relaxed, clientId), 'grant_types of a third-party client may only contain authorization_code and refresh_token');
  });

  it('a plain-http redirect URI on a remote host: refused', async () => {
    const clientId = publish('/doc/http-redirect.json', { redirect_uris: ['http://evil.example/callback'] });
    await expectRefusedPage(await authorize(relaxed, clientId, { redirectUri: 'http://evil.example/callback' }), 'redirect_uris must use https, http on a loopback address (127.0.0.1, [::1], localhost) or a private-use scheme');
  });

  it('a redirect_uri the document does not list: refused by exact match', async () => {
    const clientId = publish('/doc/listed.json');
    const res = await authorize(relaxed, clientId, { redirectUri: 'http://127.0.0.1:53682/other' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('<p class="error" role="alert">The request could not be completed (invalid_redirect_uri).');
  });

  it('a shared secret or any authentication but none: refused', async () => {
    const secret = publish('/doc/secret.json', { token_endpoint_auth_method: 'client_secret_post' });
    await expectRefusedPage(await authorize(relaxed, secret), 'client_id metadata document must not use shared-secret token endpoint authentication methods');
    const jwt = publish('/doc/jwt.json', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } });
    await expectRefusedPage(await authorize(relaxed, jwt), 'token_endpoint_auth_method of a client_id metadata document must be none');
  });

  it('a client_id URL without a path: refused', async () => {
    await expectRefusedPage(await authorize(relaxed, host.origin), 'client_id URL must have a path component');
    expect(host.hits('/')).toBe(0);
  });
});

describe('client ID metadata documents: the server is no request amplifier', () => {
  it('past 60 fetches a minute caused by one address: 429 too_many_requests with Retry-After, and nothing is fetched; a minute later it fetches again', async () => {
    let now = Date.now();
    const fx = await bootstrapAuthServer({ now: () => now, clientIdMetadataDocuments: { extraCa: testCertificates().caPem, allowSpecialUseAddresses: true } });
    try {
      const clientId = publish('/throttle/client.json', {}, { 'cache-control': 'no-store' });
      for (let i = 0; i < 60; i++) expect((await authorize(fx, clientId)).status).toBe(303);
      expect(host.hits('/throttle/client.json')).toBe(60);
      const refused = await authorize(fx, clientId);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.headers.get('x-ratelimit-limit')).toBe('60');
      expect(await refused.text()).toContain('The request could not be completed (too_many_requests).');
      expect(host.hits('/throttle/client.json')).toBe(60);
      now += 61_000;
      expect((await authorize(fx, clientId)).status).toBe(303);
      expect(host.hits('/throttle/client.json')).toBe(61);
    } finally {
      await fx.close();
    }
  });
});
