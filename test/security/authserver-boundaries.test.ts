import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizeHeadlessly, obtainAccessToken } from '../../src/embedded/authserver/headless-login.js';
import { startEmbeddedAuthServer, type EmbeddedAuthServer } from '../../src/embedded/authserver/index.js';
import { HOST_ORIGIN_MESSAGES } from '../../src/http/host-origin.js';
import { DEMO_USERS } from '../../src/embedded/seed/users.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite/database.js';
import { MCP_URL, RESOURCE } from '../embedded/authserver/bootstrap.js';
import { discover, pkceParams, registerClient } from '../embedded/authserver/clients.js';

/**
 * The embedded authorization server's boundaries, from an attacker's side: redirect URIs at
 * registration, password guessing, registration floods, user enumeration and flooding at
 * /bc-authorize, foreign Host/Origin headers and oversized bodies. Time is moved, never waited for.
 */

const LOOPBACK_REDIRECT = 'http://127.0.0.1:53682/callback';
let clock = Date.UTC(2026, 0, 5, 9, 0, 0);
let dir: string;
let db: SqliteDatabase;
let server: EmbeddedAuthServer;
let issuer: string;
let authority: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-authserver-boundaries-'));
  db = openDatabase(join(dir, 'state.sqlite'));
  // Token Vault on (no connections), as in the app: the server client's grants include its exchange.
  const tokenVault = { connections: [], encryptionKey: randomBytes(32).toString('base64url') };
  server = await startEmbeddedAuthServer({ db, host: '127.0.0.1', port: 0, resource: RESOURCE, users: DEMO_USERS, logger: silentLogger, tokenVault, now: () => clock });
  issuer = server.issuer;
  authority = new URL(issuer).host;
});
afterAll(async () => {
  await server?.close();
  db?.close();
  await rm(dir, { recursive: true, force: true });
});
// Every throttle window has passed between tests.
beforeEach(() => {
  clock += 60 * 60 * 1000;
});

/** Rows oidc-provider stored for one model (Client, BackchannelAuthenticationRequest, ...). */
const stored = (model: string) => (db.prepare('SELECT COUNT(*) AS n FROM oidc_models WHERE model = ?').get(model) as { n: number }).n;

function register(metadata: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${issuer}/oidc/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(metadata) });
}

describe('redirect URIs at registration', () => {
  it.each([
    'http://evil.example/cb',
    'http://192.168.1.20:8080/oauth/callback',
    'http://localhost.evil.example/cb',
    'javascript:alert(1)',
    'data:text/html,hi',
  ])('refuses %s with 400 invalid_redirect_uri and stores nothing', async (uri) => {
    const clientsBefore = stored('Client');
    const res = await register({ client_name: 'x', redirect_uris: [LOOPBACK_REDIRECT, uri], token_endpoint_auth_method: 'none' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; client_id?: string };
    expect(body.error).toBe('invalid_redirect_uri');
    expect(body.client_id).toBeUndefined();
    expect(stored('Client')).toBe(clientsBefore);
  });

  it.each([
    ['Claude Desktop / mcp-remote', 'http://localhost:33418/oauth/callback'],
    ['MCP Inspector', 'http://localhost:6274/oauth/callback'],
    ['loopback IPv4', 'http://127.0.0.1:53682/callback'],
    ['loopback IPv6', 'http://[::1]:8080/callback'],
    ['a web app', 'https://app.example/oauth/callback'],
    ['a native app (private-use scheme)', 'com.example.app:/oauth2redirect'],
  ])('accepts %s (%s)', async (_who, uri) => {
    const native = !uri.startsWith('http') ? { application_type: 'native' } : {};
    const body = await registerClient(issuer, { client_name: 'ok', redirect_uris: [uri], token_endpoint_auth_method: 'none', ...native });
    expect(body.redirect_uris).toEqual([uri]);
  });
});

/** An authorization request for a fresh loopback client, opened as a browser would: login page URL, cookies, CSRF token. */
async function openLogin(): Promise<{ action: URL; cookie: string; csrf: string }> {
  const { client_id } = await registerClient(issuer, { client_name: 'Login Target', redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: 'none' });
  const config = await discover(issuer, client_id);
  const { params } = await pkceParams();
  const start = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: LOOPBACK_REDIRECT, scope: 'identity:read', resource: MCP_URL });
  const redirect = await fetch(start, { redirect: 'manual' });
  const url = new URL(redirect.headers.get('location')!, start);
  const cookie = redirect.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const page = await (await fetch(url, { headers: { cookie } })).text();
  return { action: new URL(`${url.pathname}/login`, url), cookie, csrf: /name="csrf" value="([^"]*)"/.exec(page)![1]! };
}

function login(form: { action: URL; cookie: string; csrf: string }, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ csrf: form.csrf, username, password }),
  });
}

describe('password guessing on the login page', () => {
  it('after 10 wrong passwords for a user, even the right one is refused 429 too_many_attempts until the window passes', async () => {
    const form = await openLogin();
    for (let i = 0; i < 10; i++) expect((await login(form, 'alice', `guess-${i}`)).status).toBe(200);
    const blocked = await login(form, 'alice', 'alice-demo-pw');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBe(15 * 60);
    const page = await blocked.text();
    expect(page).toContain('data-error="too_many_attempts"');
    expect(page).toContain('Too many failed sign-in attempts.');
    expect(page).not.toContain('data-error="login_failed"');
    // The same user from the CLI's headless login is refused too.
    await expect(obtainAccessToken({ issuer, resource: MCP_URL, user: 'alice', password: 'alice-demo-pw' })).rejects.toThrow('too_many_attempts');
    // Another user is not affected.
    expect((await login(await openLogin(), 'bob', 'bob-demo-pw')).status).toBe(303);

    clock += 15 * 60 * 1000;
    expect((await login(form, 'alice', 'alice-demo-pw')).status).toBe(303);
  });

  it('after 100 failed logins from one address, any user from it is refused 429', async () => {
    const form = await openLogin();
    for (let i = 0; i < 100; i++) expect((await login(form, `user-${i}`, 'wrong')).status).toBe(200);
    const blocked = await login(form, 'carol', 'carol-demo-pw');
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('data-error="too_many_attempts"');
    clock += 15 * 60 * 1000;
    expect((await login(form, 'carol', 'carol-demo-pw')).status).toBe(303);
  });

  it('a successful login clears the count: 9 wrong, the right one, 9 wrong again still lets the right one in', async () => {
    const form = await openLogin();
    for (let i = 0; i < 9; i++) await login(form, 'bob', 'wrong');
    expect((await login(form, 'bob', 'bob-demo-pw')).status).toBe(303);
    const again = await openLogin();
    for (let i = 0; i < 9; i++) await login(again, 'bob', 'wrong');
    expect((await login(again, 'bob', 'bob-demo-pw')).status).toBe(303);
  });
});

/** The device page's sign-in form: its login cookie and CSRF token. */
async function openDeviceLogin(): Promise<{ action: URL; cookie: string; csrf: string }> {
  const res = await fetch(`${issuer}/device/login`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]*)"/.exec(await res.text())![1]!;
  return { action: new URL('/device/login', issuer), cookie, csrf };
}

describe('password guessing on the device page', () => {
  it('failed device logins count against the address: after 100, the right password is refused 429 too_many_attempts there and on the login page', async () => {
    const device = await openDeviceLogin();
    for (let i = 0; i < 100; i++) expect((await login(device, `user-${i}`, 'wrong')).status).toBe(401);
    const blocked = await login(device, 'alice', 'alice-demo-pw');
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('data-error="too_many_attempts"');
    expect((await login(await openLogin(), 'alice', 'alice-demo-pw')).status).toBe(429);
    clock += 15 * 60 * 1000;
    expect((await login(device, 'alice', 'alice-demo-pw')).status).toBe(303);
  });

  it('failed logins on the login page block the device page of the same address', async () => {
    const form = await openLogin();
    for (let i = 0; i < 100; i++) await login(form, `user-${i}`, 'wrong');
    const json = await fetch(`${issuer}/device/login`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=alice-demo-pw',
    });
    expect(json.status).toBe(429);
    expect(await json.json()).toEqual({ error: 'too_many_attempts', error_description: 'Too many failed sign-in attempts from this address. Try again later.' });
  });

  it('10 wrong device passwords for a user lock that user: 429 too_many_attempts on the device page and on the login page; other users are not affected', async () => {
    const device = await openDeviceLogin();
    for (let i = 0; i < 10; i++) expect((await login(device, 'alice', `guess-${i}`)).status).toBe(401);
    const blocked = await login(device, 'alice', 'alice-demo-pw');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBe(15 * 60);
    expect(await blocked.text()).toContain('data-error="too_many_attempts"');
    const json = await login(device, 'Alice ', 'alice-demo-pw', { accept: 'application/json' });
    expect(json.status).toBe(429);
    expect(await json.json()).toEqual({ error: 'too_many_attempts', error_description: 'Too many failed sign-in attempts for this user. Try again later.' });
    expect((await login(await openLogin(), 'alice', 'alice-demo-pw')).status).toBe(429);
    expect((await login(device, 'bob', 'bob-demo-pw')).status).toBe(303);
    clock += 15 * 60 * 1000;
    expect((await login(await openDeviceLogin(), 'alice', 'alice-demo-pw')).status).toBe(303);
  });

  it('10 wrong passwords for a user on the login page lock that user on the device page: 429 too_many_attempts', async () => {
    const form = await openLogin();
    for (let i = 0; i < 10; i++) expect((await login(form, 'carol', `guess-${i}`)).status).toBe(200);
    const blocked = await login(await openDeviceLogin(), 'carol', 'carol-demo-pw', { accept: 'application/json' });
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ error: 'too_many_attempts', error_description: 'Too many failed sign-in attempts for this user. Try again later.' });
    expect((await login(await openDeviceLogin(), 'bob', 'bob-demo-pw')).status).toBe(303);
  });

  it('a successful device login clears the user\'s count: 9 wrong, the right one, 9 wrong again still lets the right one in', async () => {
    const device = await openDeviceLogin();
    for (let i = 0; i < 9; i++) expect((await login(device, 'bob', 'wrong')).status).toBe(401);
    expect((await login(device, 'bob', 'bob-demo-pw')).status).toBe(303);
    const again = await openDeviceLogin();
    for (let i = 0; i < 9; i++) expect((await login(again, 'bob', 'wrong')).status).toBe(401);
    expect((await login(again, 'bob', 'bob-demo-pw')).status).toBe(303);
  });
});

/** A different made-up client address for every request, as a proxy would claim it. */
const spoofed = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i % 250}, 198.51.100.${i % 250}`, 'x-real-ip': `192.0.2.${i % 250}`, forwarded: `for=192.0.2.${i % 250}` });

describe('a spoofed X-Forwarded-For neither evades nor resets the per-address counts', () => {
  it('100 failed logins, each claiming another address, still block the socket\'s address on both forms', async () => {
    const form = await openLogin();
    for (let i = 0; i < 100; i++) expect((await login(form, `user-${i}`, 'wrong', spoofed(i))).status).toBe(200);
    expect((await login(form, 'carol', 'carol-demo-pw', spoofed(101))).status).toBe(429);
    expect((await login(await openDeviceLogin(), 'carol', 'carol-demo-pw', { ...spoofed(102), accept: 'application/json' })).status).toBe(429);
  });

  it('100 failed device logins, each claiming another address, block the device page; a fresh claimed address does not reset it', async () => {
    const device = await openDeviceLogin();
    for (let i = 0; i < 100; i++) expect((await login(device, `user-${i}`, 'wrong', spoofed(i))).status).toBe(401);
    const blocked = await login(device, 'alice', 'alice-demo-pw', { ...spoofed(200), accept: 'application/json' });
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ error: 'too_many_attempts', error_description: 'Too many failed sign-in attempts from this address. Try again later.' });
  });

  it('registrations claiming 31 different addresses are still 30 a minute from one socket address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await register({ client_name: `spoof-${i}`, redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: 'none' }, spoofed(i));
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
    expect(statuses[30]).toBe(429);
  });
});

describe('registration floods', () => {
  it('past 30 registrations a minute from one address: 429 too_many_requests with rate-limit headers, nothing stored; allowed again a minute later', async () => {
    const before = stored('Client');
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await register({ client_name: `flood-${i}`, redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: 'none' });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
      else await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
    expect(stored('Client') - before).toBe(30);
    expect(await refused!.json()).toEqual({ error: 'too_many_requests', error_description: 'Too many client registrations from this address; try again later.' });
    expect(refused!.headers.get('retry-after')).toBe('60');
    expect(refused!.headers.get('x-ratelimit-limit')).toBe('30');
    expect(refused!.headers.get('x-ratelimit-remaining')).toBe('0');
    clock += 60 * 1000;
    expect((await register({ client_name: 'later', redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: 'none' })).status).toBe(201);
  });
});

describe('/bc-authorize', () => {
  const loginHint = (sub: string) => JSON.stringify({ format: 'iss_sub', iss: issuer, sub });
  const serverConfig = () =>
    oidc.discovery(new URL(issuer), server.serverClient.clientId, undefined, oidc.ClientSecretPost(server.serverClient.clientSecret), { execute: [oidc.allowInsecureRequests] });
  const bcAuthorize = (sub: string) =>
    fetch(`${issuer}/bc-authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: server.serverClient.clientId,
        client_secret: server.serverClient.clientSecret,
        login_hint: loginHint(sub),
        scope: 'openid',
        binding_message: 'boundary test',
      }),
    });

  it('answers an unknown user exactly like a known one who does not respond', async () => {
    const known = await bcAuthorize('alice');
    const unknown = await bcAuthorize('no-such-user');
    expect(unknown.status).toBe(known.status);
    expect(unknown.status).toBe(200);
    const [k, u] = [(await known.json()) as Record<string, unknown>, (await unknown.json()) as Record<string, unknown>];
    expect(Object.keys(u).sort()).toEqual(Object.keys(k).sort());
    expect(u.expires_in).toBe(k.expires_in);
    expect(u.interval).toBe(k.interval);
    const config = await serverConfig();
    const poll = (id: unknown) => oidc.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', { auth_req_id: String(id) }).catch((e: oidc.ResponseBodyError) => e.error);
    expect(await poll(u.auth_req_id)).toBe('authorization_pending');
    expect(await poll(k.auth_req_id)).toBe('authorization_pending');
  });

  it('past 60 requests a minute from one client: 429 too_many_requests, and nothing is created', async () => {
    const before = stored('BackchannelAuthenticationRequest');
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 65; i++) {
      const res = await bcAuthorize('alice');
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
      else await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.slice(60)).toEqual(Array(5).fill(429));
    expect(stored('BackchannelAuthenticationRequest') - before).toBe(60);
    expect(await refused!.json()).toEqual({ error: 'too_many_requests', error_description: 'Too many backchannel authentication requests from this client; try again later.' });
    expect(refused!.headers.get('retry-after')).toBe('60');
    expect(refused!.headers.get('x-ratelimit-limit')).toBe('60');
    clock += 60 * 1000;
    expect((await bcAuthorize('alice')).status).toBe(200);
  });
});

interface RawResponse {
  status: number;
  body: string;
}

/** A request with exactly these headers (Host included); a declared body length larger than what is sent is allowed. */
function raw(method: string, path: string, headers: Record<string, string>, body = '', declaredLength?: number): Promise<RawResponse> {
  const url = new URL(issuer);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, 'content-length': String(declaredLength ?? Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.on('error', reject);
    if (body) req.write(body);
    if (declaredLength === undefined) req.end();
  });
}

const ROUTES_TO_GUARD: [string, string][] = [
  ['GET', '/.well-known/openid-configuration'],
  ['POST', '/oauth/token'],
  ['POST', '/oidc/register'],
  ['POST', '/bc-authorize'],
  ['POST', '/interaction/abc/login'],
  ['GET', '/device'],
  ['POST', '/device/login'],
];

describe('Host and Origin on the authorization server port', () => {
  it.each(ROUTES_TO_GUARD)('%s %s with a foreign Host is refused 403 with the fixed text', async (method, path) => {
    const res = await raw(method, path, { host: `evil.example:${new URL(issuer).port}`, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b');
    expect(res).toEqual({ status: 403, body: HOST_ORIGIN_MESSAGES.bad_host });
  });

  it.each(ROUTES_TO_GUARD)('%s %s from a foreign page (Origin) is refused 403 with the fixed text', async (method, path) => {
    const res = await raw(method, path, { host: authority, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'a=b');
    expect(res).toEqual({ status: 403, body: HOST_ORIGIN_MESSAGES.bad_origin });
  });

  it('lets the loopback names of this port in', async () => {
    const port = new URL(issuer).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await raw('GET', '/.well-known/openid-configuration', { host })).status).toBe(200);
    }
  });

  it('keeps browser MCP clients working: the Inspector (http://localhost:6274) preflights and registers with CORS', async () => {
    const origin = 'http://localhost:6274';
    const preflight = await fetch(`${issuer}/oidc/register`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    const res = await register({ client_name: 'MCP Inspector', redirect_uris: ['http://localhost:6274/oauth/callback'], token_endpoint_auth_method: 'none' }, { origin });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('keeps the login form working when a browser posts it with Origin null (no-referrer pages) or its own origin', async () => {
    expect((await login(await openLogin(), 'alice', 'alice-demo-pw', { origin: 'null' })).status).toBe(303);
    expect((await login(await openLogin(), 'alice', 'alice-demo-pw', { origin: new URL(issuer).origin })).status).toBe(303);
  });

  it('refuses Origin null outside the forms', async () => {
    const res = await raw('POST', '/oauth/token', { host: authority, origin: 'null', 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=x');
    expect(res).toEqual({ status: 403, body: HOST_ORIGIN_MESSAGES.bad_origin });
  });

  it('a full authorization-code flow still works through the guard', async () => {
    const { client_id } = await registerClient(issuer, { client_name: 'Flow', redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: 'none' });
    const config = await discover(issuer, client_id);
    const { verifier, state, params } = await pkceParams();
    const url = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: LOOPBACK_REDIRECT, scope: 'identity:read', resource: MCP_URL });
    const callback = await authorizeHeadlessly(url, { user: 'carol', password: 'carol-demo-pw', redirectUri: LOOPBACK_REDIRECT });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.access_token).toBeTruthy();
  });
});

describe('oversized bodies', () => {
  it.each(ROUTES_TO_GUARD.filter(([m]) => m === 'POST'))('%s %s with a 5 MB body is answered 413 with the fixed text', async (method, path) => {
    const res = await raw(method, path, { host: authority, 'content-type': 'application/x-www-form-urlencoded' }, 'a='.padEnd(64 * 1024, 'x'), 5 * 1024 * 1024);
    expect(res).toEqual({ status: 413, body: 'Payload Too Large: the request body exceeds the limit of this server.' });
  });
});

describe('configured origins (GATEHOUSE_ALLOWED_ORIGINS)', () => {
  it('a configured browser origin may register; other foreign origins are still refused', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'gatehouse-authserver-origins-'));
    const otherDb = openDatabase(join(otherDir, 'state.sqlite'));
    const allowedOrigins = ['https://Inspector.example'];
    const other = await startEmbeddedAuthServer({ db: otherDb, host: '127.0.0.1', port: 0, resource: RESOURCE, users: DEMO_USERS, logger: silentLogger, allowedOrigins });
    try {
      const registerFrom = (origin: string) =>
        fetch(`${other.issuer}/oidc/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify({ client_name: 'web', redirect_uris: ['https://inspector.example/oauth/callback'], token_endpoint_auth_method: 'none' }),
        });
      expect((await registerFrom('https://inspector.example')).status).toBe(201);
      const refused = await registerFrom('https://evil.example');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toBe(HOST_ORIGIN_MESSAGES.bad_origin);
    } finally {
      await other.close();
      otherDb.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
