import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProviders, type DemoProviders } from '../../../src/embedded/providers/index.js';
import { providerAccountsFor } from '../../../src/embedded/providers/provider-accounts.js';
import { DEMO_USERS, findDemoUser } from '../../../src/embedded/seed/users.js';

const CLIENT = { clientId: 'vault-client', clientSecret: 'vault-client-secret', name: 'Test Vault', redirectUris: ['http://127.0.0.1:9/callback'] };
const alice = findDemoUser('alice')!;

/** The demo provider on its own: sign-in at the account chooser, and its port's Host rule. */
describe('demo provider OAuth: allowing means signing in', () => {
  let p: DemoProviders;
  beforeAll(async () => {
    p = await startDemoProviders({ host: '127.0.0.1', port: 0, users: DEMO_USERS, tokenKey: 'k'.repeat(43), allowedHosts: ['demo-google.example'] });
    p.registerClient(CLIENT);
  });
  afterAll(async () => {
    await p?.close();
  });

  async function chooser(loginHint?: string): Promise<{ page: string; request: string }> {
    const url = new URL(p.authorizationEndpoint);
    url.search = new URLSearchParams({ client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0]!, response_type: 'code', scope: 'openid email', state: 's1', ...(loginHint ? { login_hint: loginHint } : {}) }).toString();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const page = await res.text();
    return { page, request: /name="request" value="([^"]+)"/.exec(page)![1]! };
  }
  const decide = (request: string, fields: Record<string, string>) =>
    fetch(`${p.url}/o/oauth2/v2/auth/decision`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ request, ...fields }).toString() });

  it('without a login_hint the email is typed; the right password gets a code for that account', async () => {
    const { page, request } = await chooser();
    expect(page).not.toContain('alice@acme.example');
    expect(page).not.toContain('bob@acme.example');
    const res = await decide(request, { decision: 'allow', account: alice.email, password: alice.password });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('s1');
    const token = await fetch(p.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: CLIENT.redirectUris[0]!, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }).toString(),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const me = (await (await fetch(p.userinfoEndpoint, { headers: { authorization: `Bearer ${access_token}` } })).json()) as { sub: string; email: string };
    expect(me).toMatchObject({ sub: providerAccountsFor(DEMO_USERS).find((a) => a.email === alice.email)!.sub, email: alice.email });
  });

  it('an unknown account and a missing password are refused alike with 403', async () => {
    expect((await decide((await chooser()).request, { decision: 'allow', account: 'mallory@evil.example', password: 'x' })).status).toBe(403);
    expect((await decide((await chooser()).request, { decision: 'allow', account: alice.email })).status).toBe(403);
  });

  it('Cancel needs no password and redirects with access_denied', async () => {
    const res = await decide((await chooser(alice.email)).request, { decision: 'deny', account: 'bob@acme.example' });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });

  it('a configured extra Host name is accepted, any other refused', async () => {
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        httpRequest(`${p.url}/v1/userinfo`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).on('error', reject).end();
      });
    expect(await get('demo-google.example')).toBe(401);
    expect(await get(new URL(p.url).host)).toBe(401);
    expect(await get('evil.example')).toBe(403);
  });
});
