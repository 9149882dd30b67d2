import { execFileSync } from 'node:child_process';
import * as oidc from 'openid-client';
import { chromium } from 'playwright-core';
import { CookieJar } from '../../../src/embedded/authserver/cookie-jar.js';
import { CLI_CLIENT_ID } from '../../../src/embedded/authserver/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAuthServer, MCP_URL, type AuthServerFixture } from './bootstrap.js';
import { discover, pkceParams, registerClient } from './clients.js';

const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const HOSTILE_NAME = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'Co'`;
let fx: AuthServerFixture;
let clientId: string;

beforeAll(async () => {
  fx = await bootstrapAuthServer();
  clientId = (await registerClient(fx.server.issuer, { client_name: HOSTILE_NAME, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' })).client_id;
});
afterAll(async () => fx?.close());

/** Starts an authorization request as a browser would and returns the login page's URL and cookies. */
async function openLoginPage(client = { id: clientId, redirectUri: REDIRECT_URI }): Promise<{ url: URL; cookie: string; response: Response; html: string }> {
  const config = await discover(fx.server.issuer, client.id);
  const { params } = await pkceParams();
  const start = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: client.redirectUri, scope: 'identity:read email:send', resource: MCP_URL });
  const redirect = await fetch(start, { redirect: 'manual' });
  expect(redirect.status).toBe(303);
  const url = new URL(redirect.headers.get('location')!, start);
  const cookie = redirect.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const response = await fetch(url, { headers: { cookie } });
  return { url, cookie, response, html: await response.text() };
}

/** Signs alice in on an opened login page and returns the consent page that follows. */
async function consentPageFor({ url, cookie, html }: { url: URL; cookie: string; html: string }): Promise<string> {
  const jar = new CookieJar();
  const login = await post(new URL(`${url.pathname}/login`, url), cookie, { csrf: hidden(html, 'csrf'), username: 'alice', password: 'alice-demo-pw' });
  expect(login.status).toBe(303);
  jar.store(login);
  const resume = await fetch(new URL(login.headers.get('location')!, url), { redirect: 'manual', headers: { cookie: `${cookie}; ${jar.header()}` } });
  jar.store(resume);
  const consent = await fetch(new URL(resume.headers.get('location')!, url), { headers: { cookie: jar.header() } });
  expect(consent.status).toBe(200);
  return consent.text();
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
}

function post(url: URL, cookie: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

describe('login and consent pages', () => {
  it('forbid framing, load nothing external and escape the client name', async () => {
    const { response, html } = await openLoginPage();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#39;Co&#39;');
    expect(html).not.toMatch(/\b(src|href)="https?:/);
  });

  it('re-renders the login form on a wrong password without saying which part was wrong', async () => {
    const { url, cookie, html } = await openLoginPage();
    const action = new URL(`${url.pathname}/login`, url);
    const csrf = hidden(html, 'csrf');
    for (const [username, password] of [['alice', 'wrong'], ['nobody', 'alice-demo-pw']]) {
      const res = await post(action, cookie, { csrf, username: username!, password: password! });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const page = await res.text();
      expect(page).toContain('Wrong username or password.');
      expect(page).toContain('data-form="login"');
      expect(page).not.toContain(password!);
    }
  });

  it('refuses a login post without the per-interaction CSRF token', async () => {
    const { url, cookie } = await openLoginPage();
    const res = await post(new URL(`${url.pathname}/login`, url), cookie, { username: 'alice', password: 'alice-demo-pw' });
    expect(res.status).toBe(403);
  });

  it('refuses a login post without the interaction cookie (another browser)', async () => {
    const { url, html } = await openLoginPage();
    const res = await post(new URL(`${url.pathname}/login`, url), '', { csrf: hidden(html, 'csrf'), username: 'alice', password: 'alice-demo-pw' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('expired or is not valid');
  });

  it('shows the consent page with the client name and human scope descriptions', async () => {
    const { url, cookie, html } = await openLoginPage();
    const jar = new CookieJar();
    const login = await post(new URL(`${url.pathname}/login`, url), cookie, { csrf: hidden(html, 'csrf'), username: 'alice', password: 'alice-demo-pw' });
    expect(login.status).toBe(303);
    // Follow to the authorization endpoint, which sends the browser on to the consent prompt.
    jar.store(login);
    const resume = await fetch(new URL(login.headers.get('location')!, url), { redirect: 'manual', headers: { cookie: `${cookie}; ${jar.header()}` } });
    jar.store(resume);
    const consent = await fetch(new URL(resume.headers.get('location')!, url), { headers: { cookie: jar.header() } });
    const page = await consent.text();
    expect(consent.headers.get('x-frame-options')).toBe('DENY');
    expect(page).toContain('data-form="consent"');
    expect(page).toContain('Alice Anders');
    expect(page).toContain('&lt;script&gt;');
    expect(page).toContain('See who you are signed in as (whoami)');
    expect(page).toContain('Send email from your connected mailbox (asks for approval each time)');
    expect(page).toContain('value="approve"');
    expect(page).toContain('value="deny"');
  });

  it('shows who gets the code: a self-registered "Gatehouse CLI" is marked unverified, with the host its redirect goes to', async () => {
    const phisher = await registerClient(fx.server.issuer, { client_name: 'Gatehouse CLI', redirect_uris: ['https://evil.example/cb'], token_endpoint_auth_method: 'none' });
    const login = await openLoginPage({ id: phisher.client_id, redirectUri: 'https://evil.example/cb' });
    expect(login.html).toContain('<strong>Gatehouse CLI</strong> <span class="badge" data-mark="unverified"');
    const page = await consentPageFor(login);
    expect(page).toContain('<strong>Gatehouse CLI</strong> <span class="badge" data-mark="unverified"');
    expect(page).toContain('data-note="third-party"');
    expect(page).toContain('access is handed to <strong data-redirect-host="evil.example">evil.example</strong>.');
    expect(page).not.toContain('(an application on this device)');
    expect(page).toContain('Send email from your connected mailbox (asks for approval each time)');
  });

  it('shows the configured CLI client without the unverified mark, its loopback redirect as local', async () => {
    const page = await consentPageFor(await openLoginPage({ id: CLI_CLIENT_ID, redirectUri: 'http://127.0.0.1:41234/callback' }));
    expect(page).toContain('<strong>Gatehouse CLI</strong> wants to act for');
    expect(page).not.toContain('data-mark="unverified"');
    expect(page).not.toContain('data-note="third-party"');
    expect(page).toContain('<strong data-redirect-host="127.0.0.1:41234">127.0.0.1:41234</strong> (an application on this device)');
  });

  it('renders protocol errors as a fixed text page', async () => {
    const res = await fetch(`${fx.server.issuer}/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent('https://evil.example/<b>')}`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page).toContain('The request could not be completed (invalid_redirect_uri)');
    expect(page).not.toContain('evil.example');
  });
});

function chromiumPath(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const executablePath = chromiumPath();

describe.skipIf(!executablePath)('consent in headless Chromium', () => {
  it('a person sees the unverified mark and the host that would get the code before allowing', async () => {
    const phisher = await registerClient(fx.server.issuer, { client_name: 'Gatehouse CLI', redirect_uris: ['https://evil.example/cb'], token_endpoint_auth_method: 'none' });
    const config = await discover(fx.server.issuer, phisher.client_id);
    const { params } = await pkceParams();
    const start = oidc.buildAuthorizationUrl(config, { ...params, redirect_uri: 'https://evil.example/cb', scope: 'identity:read email:send', resource: MCP_URL });
    const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      await page.goto(start.href);
      expect(await page.locator('[data-mark="unverified"]').isVisible()).toBe(true);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-demo-pw');
      await page.click('form[data-form="login"] button[type="submit"]');
      await page.waitForSelector('form[data-form="consent"]');
      expect(await page.locator('[data-mark="unverified"]').isVisible()).toBe(true);
      expect(await page.locator('[data-redirect-host]').innerText()).toBe('evil.example');
      const text = await page.locator('main').innerText();
      expect(text).toContain('Gatehouse CLI UNVERIFIED wants to act for Alice Anders.');
      expect(text).toContain('If you allow, access is handed to evil.example.');
      expect(text).toContain('This application registered itself.');
      expect(text).toContain('Send email from your connected mailbox (asks for approval each time)');
    } finally {
      await browser.close();
    }
  }, 30_000);
});
