import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argumentDigest } from '../../src/approvals/argument-digest.js';
import { deviceFor, devicePageHtml, errorCodeOf, waitForRequests } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';
import { call, connectGoogle } from '../helpers/vault.js';

/**
 * Attacks on what the person approving reads: arguments written to make the approval say something
 * else than the call does, text hidden by bidi controls or newlines, content pushed out of view by
 * padding, and authorization_details that Auth0 Guardian could not render (refused by the stand-in).
 */
const GUARDIAN_TYPE = 'urn:auth0:schemas:authorization-details:v1:gatehouse-tool-call';
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

describe('approval texts cannot mislead (wait 20 s)', () => {
  let gh: TestGatehouse;
  let alice: string;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    alice = await tokenFor(gh, 'alice', 'purchases:create email:send');
  });
  afterAll(async () => gh?.stop());

  const purchase = async (args: Record<string, unknown>) => {
    const client = await connectWithToken(gh.mcpUrl, alice);
    try {
      return await client.callTool({ name: 'purchase', arguments: args }, undefined, { timeout: 60_000 });
    } finally {
      await client.close();
    }
  };

  it('an item written as a price claim: the binding message says 4999.00 USD, the item is only quoted data', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const pending = purchase({ item: 'USB cable" for 5 USD from Amazon. Order ref ABC', amount: 4999, currency: 'USD', merchant: 'Amazon' });
    const [req] = await waitForRequests(device);
    expect(req!.bindingMessage).toMatch(/^Pay 4999\.00 USD unverified merchant #[A-Z0-9]{6}$/);
    const d = req!.details[0]!;
    expect(d.type).toBe(GUARDIAN_TYPE);
    expect(d.instruction).toBe('Approve a purchase from the demo merchant (no real money moves)');
    expect(d.properties.amount!.value).toBe('4999.00 USD');
    expect(d.properties.merchant!).toMatchObject({ name: 'Merchant (unverified)', value: '"Amazon"' });
    expect(d.properties.item!.value).toBe('"USB cable\\" for 5 USD from Amazon. Order ref ABC"');
    const html = await devicePageHtml(gh.issuer, 'alice');
    expect(html).toContain('<dd data-field="amount">4999.00 USD</dd>');
    expect(html).toContain('<dd data-field="item">&quot;USB cable\\&quot; for 5 USD from Amazon. Order ref ABC&quot;</dd>');
    await device.decide(req!.id, 'deny');
    expect(errorCodeOf(await pending)).toBe('approval_denied');
  }, 40_000);

  it('bidi overrides and newlines in an item reach neither the details, the binding message nor the page', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const pending = purchase({ item: 'Laptop\u202E 0001 DSU\u2066\u200F\nref 42', amount: 900, currency: 'EUR', merchant: 'Demo Store' });
    const [req] = await waitForRequests(device);
    const d = req!.details[0]!;
    expect(d.properties.item!.value).toBe('"Laptop 0001 DSU ref 42"');
    expect(JSON.stringify(req)).not.toMatch(BIDI);
    expect(req!.bindingMessage).toMatch(/^Pay 900\.00 EUR to Demo Store #[A-Z0-9]{6}$/);
    const html = await devicePageHtml(gh.issuer, 'alice');
    expect(html).not.toMatch(BIDI);
    expect(html).toContain('<dd data-field="item">&quot;Laptop 0001 DSU ref 42&quot;</dd>');
    await device.decide(req!.id, 'deny');
    await pending;
  }, 40_000);

  it('a padded email body: the text after 300+ characters is on the device page, in the digest and in what is sent; the binding message names the recipients', async () => {
    await connectGoogle(gh, 'alice');
    const tail = 'P.S. Also forward the payroll file to mallory@evil.example';
    const body = `Hi team,\n${' '.repeat(600)}\n${tail}`;
    const args = { to: ['bob@acme.example', 'carol@acme.example', 'dave@acme.example'], subject: 'Q4 plan', body };
    const device = await deviceFor(gh.issuer, 'alice');
    const pending = call(gh, alice, 'send_email', args);
    const [req] = await waitForRequests(device);
    expect(req!.bindingMessage).toMatch(/^Email 3 recipients bob at acme\.example #[A-Z0-9]{6}$/);

    const d = req!.details[0]!;
    const sha = createHash('sha256').update(body).digest('base64url');
    expect(d.properties.body!.value).toBe(`"Hi team, P.S. Also forward the payroll file to mallory@evil.example" (${body.length} characters, spacing collapsed, sha256 ${sha})`);
    expect(d.properties.recipients!.value).toBe('bob@acme.example, carol@acme.example, dave@acme.example');
    expect(d.properties.digest!.value).toBe(argumentDigest({ tool: 'send_email', args, sub: 'alice', resource: gh.mcpUrl }));

    const html = await devicePageHtml(gh.issuer, 'alice');
    const before = html.indexOf('data-action="approve"');
    expect(html.indexOf(tail)).toBeGreaterThan(0);
    expect(html.indexOf(tail)).toBeLessThan(before);
    expect(html).toContain(`<pre class="text" data-field="body">Hi team,\n${' '.repeat(600)}\n${tail}</pre>`);
    for (const r of args.to) expect(html).toContain(`<li>${r}</li>`);

    await device.decide(req!.id, 'approve');
    const { message } = await pending;
    expect(message.result?.isError, JSON.stringify(message)).toBeFalsy();
    const raw = Buffer.from(gh.providers!.data.sent.get('alice@acme.example')!.at(-1)!.raw, 'base64url').toString();
    expect(Buffer.from(raw.split('\r\n\r\n')[1]!.replace(/\r\n/g, ''), 'base64').toString()).toBe(body);
  }, 60_000);
});

describe('the embedded authorization server holds authorization_details to what Guardian renders', () => {
  let gh: TestGatehouse;
  let config: oidc.Configuration;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    const { clientId, clientSecret } = gh.authServer!.serverClient;
    config = await oidc.discovery(new URL(gh.issuer), clientId, undefined, oidc.ClientSecretPost(clientSecret), { execute: [oidc.allowInsecureRequests] });
  });
  afterAll(async () => gh?.stop());

  const prop = (display_order: number, value: string, display = true) => ({ display, name: `Field ${display_order}`, display_order, value });
  const valid = () => ({
    type: GUARDIAN_TYPE,
    instruction: 'Approve a purchase',
    properties: { amount: prop(1, '900.00 EUR'), tool: prop(2, 'purchase'), server: prop(3, gh.mcpUrl), digest: prop(4, 'd'.repeat(43), false), content: prop(5, 'c'.repeat(43), false) },
  });
  const ask = (details: unknown) =>
    oidc
      .initiateBackchannelAuthentication(config, {
        login_hint: JSON.stringify({ format: 'iss_sub', iss: gh.issuer, sub: 'alice' }),
        scope: 'openid',
        binding_message: 'Pay 900.00 EUR #ABC123',
        resource: gh.mcpUrl,
        authorization_details: JSON.stringify(details),
      })
      .then(
        (r) => ({ ok: r.auth_req_id }),
        (e: oidc.ResponseBodyError) => ({ error: e.error, description: e.error_description }),
      );

  it('accepts one object of the Guardian schema within the limits; without its full text the device page shows the displayed properties and says so', async () => {
    expect(await ask([valid()])).toMatchObject({ ok: expect.any(String) });
    const html = await devicePageHtml(gh.issuer, 'alice');
    expect(html).toContain('<h2 data-field="instruction">Approve a purchase</h2>');
    expect(html).toContain('<dt>Field 1</dt><dd data-field="amount">900.00 EUR</dd>');
    expect(html).toContain('data-field="partial">Only a summary is available here; the full content is not. Deny if unsure.</dd>');
    expect(html).not.toContain('d'.repeat(43));
  });

  it.each([
    ['a value of 256 characters', () => [{ ...valid(), properties: { ...valid().properties, amount: prop(1, 'x'.repeat(256)) } }]],
    ['an instruction of 256 characters', () => [{ ...valid(), instruction: 'x'.repeat(256) }]],
    ['11 properties', () => [{ ...valid(), properties: { ...valid().properties, ...Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`p${i}`, prop(6 + i, 'v')])) } }]],
    ['two objects', () => [valid(), valid()]],
    ['more than 5 KB', () => [{ ...valid(), properties: { ...valid().properties, ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`p${i}`, { ...prop(6 + i, '€'.repeat(255)), name: '€'.repeat(255) }])) } }]],
    ['a bidi override in a value', () => [{ ...valid(), properties: { ...valid().properties, amount: prop(1, '900.00 EUR\u202E') } }]],
    ['a newline in the instruction', () => [{ ...valid(), instruction: 'Approve\na purchase' }]],
    ['a field outside the schema', () => [{ ...valid(), action: 'Buy' }]],
    ['a property without display_order', () => [{ ...valid(), properties: { ...valid().properties, amount: { display: true, name: 'Amount', value: '1' } } }]],
    ['no digest property', () => [{ ...valid(), properties: { ...valid().properties, digest: undefined } }]],
    ['the retired gatehouse_tool_call type', () => [{ type: 'gatehouse_tool_call', locations: [gh.mcpUrl], actions: ['purchase'], action: 'Buy', digest: 'd'.repeat(43) }]],
  ])('refuses %s with invalid_authorization_details (the same object within the limits passes)', async (_name, details) => {
    expect(await ask([valid()])).toMatchObject({ ok: expect.any(String) });
    expect(await ask(details())).toMatchObject({ error: 'invalid_authorization_details' });
  });
});
