import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHeadlessly } from '../../src/embedded/authserver/headless-connect.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call, connectGoogle, week } from '../helpers/vault.js';

const walk = (url: string, as: string) => {
  const u = findDemoUser(as)!;
  return connectHeadlessly(new URL(url), { user: u.id, password: u.password, email: u.email });
};

describe('Token Vault across users: bob can never obtain alice\'s provider token', () => {
  let gh: TestGatehouse;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    alice = await tokenFor(gh, 'alice');
    bob = await tokenFor(gh, 'bob');
    expect(await connectGoogle(gh, 'alice')).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('cache path: with alice\'s token cached, bob is asked to connect his own account', async () => {
    const own = await call(gh, alice, 'list_calendar_events', week());
    expect(own.message.result?.isError).toBeFalsy();
    const other = await call(gh, bob, 'list_calendar_events', week());
    expect(other.status).toBe(200);
    expect(other.message.result).toBeUndefined();
    expect(other.message.error?.code).toBe(-32042);
    expect(other.message.error?.message).toMatch(/^(MCP error -32042: )?Connect your Google account to use this tool: open \S+ in your browser, then retry\. \[not_connected\]$/);
    const [elicitation, ...more] = other.message.error!.data!.elicitations!;
    expect(more).toEqual([]);
    expect(elicitation!.mode).toBe('url');
    expect(new URL(elicitation!.url).pathname).toBe('/connect/google-oauth2');
    expect(new URL(elicitation!.url).origin).toBe(new URL(gh.mcpUrl).origin);
    expect(JSON.stringify(other.message)).not.toContain('Sprint planning');
  });

  it('exchange path: bob\'s token (even with a login_hint naming alice\'s Google account) gets no provider token', async () => {
    const { clientId, clientSecret } = gh.authServer!.customApiClient;
    const aliceGoogle = (await gh.db.prepare("SELECT provider_subject FROM myaccount_connected_accounts WHERE user_sub = 'alice'").get()) as { provider_subject: string };
    for (const hint of [undefined, aliceGoogle.provider_subject]) {
      const response = await fetch(`${gh.issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token',
          client_id: clientId,
          client_secret: clientSecret,
          subject_token: bob,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          requested_token_type: 'http://auth0.com/oauth/token-type/federated-connection-access-token',
          connection: 'google-oauth2',
          ...(hint ? { login_hint: hint } : {}),
        }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'federated_connection_refresh_token_not_found' });
    }
  });

  it('a client other than Gatehouse cannot exchange, and an MCP token is not a My Account token', async () => {
    const response = await fetch(`${gh.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token', client_id: 'gatehouse-cli', subject_token: alice, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', connection: 'google-oauth2' }),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.error).toBe('unauthorized_client');
    expect(JSON.stringify(body)).not.toContain('ya29.');
    const me = await fetch(`${gh.issuer}/me/v1/connected-accounts/accounts`, { headers: { authorization: `Bearer ${alice}` } });
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await me.json()).toEqual({
      type: 'https://auth0.com/api-errors/A0E-401-0001',
      status: 401,
      title: 'Unauthorized',
      detail: 'A valid access token for the My Account API is required.',
    });
  });

  it('a connect ticket opened by another signed-in user is refused, and is then used up', async () => {
    const refused = await call(gh, bob, 'list_calendar_events', week());
    const url = refused.message.error!.data!.elicitations![0]!.url;
    const wrong = await walk(url, 'alice');
    expect(wrong.outcome).toBe('failed:wrong_user');
    expect(wrong.status).toBe(403);
    const again = await walk(url, 'bob');
    expect(again.outcome).toBe('failed:invalid_ticket');
    // bob is still not connected; alice still is.
    expect((await call(gh, bob, 'list_calendar_events', week())).message.error?.code).toBe(-32042);
    expect((await call(gh, alice, 'list_calendar_events', week())).message.result?.isError).toBeFalsy();
  });

  it('a ticket works once', async () => {
    const refused = await call(gh, bob, 'list_calendar_events', week());
    const url = refused.message.error!.data!.elicitations![0]!.url;
    expect((await walk(url, 'bob')).outcome).toBe('connected:google-oauth2');
    expect((await walk(url, 'bob')).outcome).toBe('failed:invalid_ticket');
    const events = (await call(gh, bob, 'list_calendar_events', week())).message.result!.structuredContent!.events as { title: string }[];
    expect(events.map((e) => e.title)).toContain('Budget review with CFO');
    expect(events.map((e) => e.title)).not.toContain('Sprint planning');
  });

  it('the connect callback without the flow cookie is refused', async () => {
    const response = await fetch(new URL('/connect/callback?state=x&code=y', gh.mcpUrl));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
