import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../../src/embedded/authserver/cookie-jar.js';
import { providerAccountsFor } from '../../src/embedded/providers/provider-accounts.js';
import { DEMO_USERS, findDemoUser } from '../../src/embedded/seed/users.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call, connectGoogle, week } from '../helpers/vault.js';

/**
 * The demo "Google" from an attacker's side: alice, signed in to Gatehouse as herself, tries to get
 * bob's Google account connected to hers through the account chooser; and foreign pages or hosts talk
 * to the provider's port.
 */
interface Chooser {
  readonly url: URL;
  readonly page: string;
  readonly request: string;
  readonly jar: CookieJar;
}

/** Plays alice's browser from the connect URL to the demo provider's account chooser. */
async function toChooser(connectUrl: string, as: string, tamper?: (providerUrl: URL) => void): Promise<Chooser> {
  const u = findDemoUser(as)!;
  const jars = new Map<string, CookieJar>();
  const jar = (url: URL) => jars.get(url.origin) ?? jars.set(url.origin, new CookieJar()).get(url.origin)!;
  let next: { url: URL; form?: URLSearchParams } = { url: new URL(connectUrl) };
  for (let step = 0; step < 20; step++) {
    if (tamper && next.url.pathname === '/o/oauth2/v2/auth' && !next.form) tamper(next.url);
    const res = await fetch(next.url, {
      method: next.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar(next.url).header(), ...(next.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: next.form?.toString(),
    });
    jar(next.url).store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      next = { url: new URL(location, next.url) };
      continue;
    }
    const page = await res.text();
    const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/.exec(page);
    const name = form && /\bdata-form="([a-z-]+)"/.exec(form[1]!)?.[1];
    const action = form && /\baction="([^"]*)"/.exec(form[1]!)?.[1];
    if (!form || !name || action == null) throw new Error(`no form at ${next.url.pathname} (${res.status})`);
    const hidden = new URLSearchParams();
    for (const m of form[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
      const n = /\bname="([^"]*)"/.exec(m[0])?.[1];
      if (n) hidden.set(n, (/\bvalue="([^"]*)"/.exec(m[0])?.[1] ?? '').replace(/&amp;/g, '&'));
    }
    if (name === 'provider-consent') return { url: next.url, page, request: hidden.get('request')!, jar: jar(next.url) };
    if (name === 'login') {
      hidden.set('username', u.id);
      hidden.set('password', u.password);
    } else if (name === 'consent') hidden.set('decision', 'approve');
    next = { url: new URL(action.replace(/&amp;/g, '&'), next.url), form: hidden };
  }
  throw new Error('too many steps');
}

function decide(chooser: Chooser, fields: Record<string, string>): Promise<Response> {
  return fetch(new URL('/o/oauth2/v2/auth/decision', chooser.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: chooser.jar.header() },
    body: new URLSearchParams({ request: chooser.request, decision: 'allow', ...fields }).toString(),
  });
}

/** A raw request, so the Host header is ours to set. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('demo Google account chooser: alice cannot connect bob\'s account', () => {
  let gh: TestGatehouse;
  let alice: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    alice = await tokenFor(gh, 'alice');
  });
  afterAll(async () => {
    await gh?.stop();
  });

  const connectUrl = async () => {
    const r = await call(gh, alice, 'list_calendar_events', week());
    expect(r.message.error?.code).toBe(-32042);
    return r.message.error!.data!.elicitations![0]!.url;
  };
  const aliceConnections = () => gh.db.prepare("SELECT provider_subject FROM myaccount_connected_accounts WHERE user_sub = 'alice'").all();

  it('the chooser offers only the hinted account and asks for its password', async () => {
    const chooser = await toChooser(await connectUrl(), 'alice');
    expect(chooser.page).toContain('value="alice@acme.example"');
    // Its form post then carries the page's own origin (no-referrer would make it `null`, refused).
    expect((await fetch(chooser.url, { redirect: 'manual' })).headers.get('referrer-policy')).toBe('same-origin');
    expect(chooser.page).not.toContain('bob@acme.example');
    expect(chooser.page).toMatch(/<input\b(?=[^>]*\bname="password")(?=[^>]*\btype="password")[^>]*>/);
    expect(chooser.page).toMatch(/<input\b(?=[^>]*\bname="account")(?=[^>]*\breadonly)[^>]*>/);
  });

  it('posting the chooser with bob\'s account (no password) is refused with 403 and connects nothing', async () => {
    const chooser = await toChooser(await connectUrl(), 'alice');
    const res = await decide(chooser, { account: 'bob@acme.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Wrong account or password');
    expect(aliceConnections()).toEqual([]);
    expect((await call(gh, alice, 'list_calendar_events', week())).message.error?.code).toBe(-32042);
  });

  it('a login_hint rewritten to bob\'s address does not help: bob\'s account with alice\'s password is refused', async () => {
    const chooser = await toChooser(await connectUrl(), 'alice', (u) => u.searchParams.set('login_hint', 'bob@acme.example'));
    const res = await decide(chooser, { account: 'bob@acme.example', password: findDemoUser('alice')!.password });
    expect(res.status).toBe(403);
    expect(aliceConnections()).toEqual([]);
  });

  it('alice\'s own account with a wrong password is refused, and the request cannot be retried', async () => {
    const chooser = await toChooser(await connectUrl(), 'alice');
    expect((await decide(chooser, { account: 'alice@acme.example', password: 'bob-demo-pw' })).status).toBe(403);
    expect((await decide(chooser, { account: 'alice@acme.example', password: findDemoUser('alice')!.password })).status).toBe(400);
    expect(aliceConnections()).toEqual([]);
  });

  it('alice\'s own account with her password connects her own Google account', async () => {
    expect(await connectGoogle(gh, 'alice')).toMatchObject({ ok: true });
    const rows = aliceConnections() as { provider_subject: string }[];
    expect(rows).toEqual([{ provider_subject: providerAccountsFor(DEMO_USERS).find((a) => a.email === 'alice@acme.example')!.sub }]);
    const own = await call(gh, alice, 'list_calendar_events', week());
    expect(own.message.result?.isError).toBeFalsy();
  });
});

describe('demo Google port: the MCP port\'s Host/Origin rules and bounded bodies', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('a foreign Host header is refused with 403 and a fixed text before anything else', async () => {
    const res = await raw(`${gh.providers!.url}/token`, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 403, message: 'Forbidden: Host header not allowed.', status: 'PERMISSION_DENIED' } });
  });

  it('a foreign Origin is refused with 403; a loopback page and no Origin are served', async () => {
    const bad = await fetch(`${gh.providers!.url}/v1/userinfo`, { headers: { origin: 'https://evil.example' } });
    expect(bad.status).toBe(403);
    expect(await bad.json()).toEqual({ error: { code: 403, message: 'Forbidden: Origin not allowed.', status: 'PERMISSION_DENIED' } });
    expect((await fetch(`${gh.providers!.url}/v1/userinfo`, { headers: { origin: 'http://localhost:6274' } })).status).toBe(401);
    expect((await fetch(`${gh.providers!.url}/v1/userinfo`)).status).toBe(401);
  });

  it('the chooser form cannot be posted from an opaque origin (sandboxed frame, data: URL)', async () => {
    const res = await fetch(`${gh.providers!.url}/o/oauth2/v2/auth/decision`, {
      method: 'POST',
      headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'request=x&decision=allow&account=bob%40acme.example',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: 403, message: 'Forbidden: Origin not allowed.', status: 'PERMISSION_DENIED' } });
  });

  it('oversized bodies get 413, not 500', async () => {
    const form = await fetch(`${gh.providers!.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=${'a'.repeat(64 * 1024)}` });
    expect(form.status).toBe(413);
    expect(await form.json()).toEqual({ error: { code: 413, message: 'Request payload size exceeds the limit.', status: 'INVALID_ARGUMENT' } });
    const json = await fetch(`${gh.providers!.url}/calendar/v3/freeBusy`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: JSON.stringify({ pad: 'a'.repeat(9 * 1024 * 1024) }) });
    expect(json.status).toBe(413);
  });
});
