import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { deviceFor, errorCodeOf, LAPTOP, textOf, waitForRequests } from '../helpers/approvals.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

/** Attacks on the approval flow: replay, changed arguments, another user, races, forged details, expiry, restart. */
const orders = (gh: TestGatehouse) => (gh.db.prepare('SELECT COUNT(*) AS n FROM demo_orders').get() as { n: number }).n;
const purchase = async (gh: TestGatehouse, token: string, args: Record<string, unknown> = LAPTOP) => {
  const client = await connectWithToken(gh.mcpUrl, token);
  try {
    return await client.callTool({ name: 'purchase', arguments: args }, undefined, { timeout: 60_000 });
  } finally {
    await client.close();
  }
};

describe('approval security (wait 20 s)', () => {
  let gh: TestGatehouse;
  let alice: string;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    alice = await tokenFor(gh, 'alice', 'purchases:create');
  });
  afterAll(async () => gh?.stop());

  it('a consumed approval cannot be replayed: the same call again asks anew and runs nothing meanwhile', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const first = purchase(gh, alice, { ...LAPTOP, item: 'Replay' });
    const [req] = await waitForRequests(device);
    await device.decide(req!.id, 'approve');
    expect((await first).isError).toBeFalsy();
    const count = orders(gh);

    const second = purchase(gh, alice, { ...LAPTOP, item: 'Replay' });
    const [again] = await waitForRequests(device);
    expect(again!.id).not.toBe(req!.id);
    expect(orders(gh)).toBe(count);
    await device.decide(again!.id, 'deny');
    expect(errorCodeOf(await second)).toBe('approval_denied');
    expect(orders(gh)).toBe(count);
  }, 40_000);

  it('another user can neither see, approve nor consume alice\'s request', async () => {
    const aliceDevice = await deviceFor(gh.issuer, 'alice');
    const bobDevice = await deviceFor(gh.issuer, 'bob');
    const call = purchase(gh, alice, { ...LAPTOP, item: 'Not for Bob' });
    const [req] = await waitForRequests(aliceDevice);
    expect((await bobDevice.list()).requests).toEqual([]);
    expect(await bobDevice.decide(req!.id, 'approve')).toBe('not_found');

    // Bob calling with alice's exact arguments gets his own approval (his sub is in the digest), never hers.
    const bob = await tokenFor(gh, 'bob', 'purchases:create');
    const bobClient = await connectWithToken(gh.mcpUrl, bob);
    const bobCall = bobClient.callTool({ name: 'purchase', arguments: { ...LAPTOP, item: 'Not for Bob' } }, undefined, { timeout: 60_000 });
    const [bobReq] = await waitForRequests(bobDevice);
    expect(bobReq!.id).not.toBe(req!.id);
    await aliceDevice.decide(req!.id, 'approve');
    expect((await call).isError).toBeFalsy();
    await bobDevice.decide(bobReq!.id, 'deny');
    expect(errorCodeOf(await bobCall)).toBe('approval_denied');
    await bobClient.close();
  }, 40_000);

  it('two concurrent identical calls share one request; one approval executes exactly once', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const before = orders(gh);
    const args = { ...LAPTOP, item: 'Race' };
    const calls = [purchase(gh, alice, args), purchase(gh, alice, args)];
    const [req] = await waitForRequests(device);
    await new Promise((r) => setTimeout(r, 500));
    expect((await device.list()).requests).toHaveLength(1);
    await device.decide(req!.id, 'approve');
    const results = await Promise.all(calls);
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(results.map(errorCodeOf).filter(Boolean)).toEqual(['approval_consumed']);
    expect(orders(gh)).toBe(before + 1);
  }, 40_000);

  it('an approval for one set of arguments never runs another', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const approvedArgs = { ...LAPTOP, item: 'Exact', amount: 600 };
    const call = purchase(gh, alice, approvedArgs);
    const [req] = await waitForRequests(device);
    const changed = purchase(gh, alice, { ...approvedArgs, amount: 6000 });
    const both = await waitForRequests(device, 2);
    expect(both.map((r) => r.details[0]!.properties.amount!.value).sort()).toEqual(['600.00 EUR', '6000.00 EUR']);
    expect(both.map((r) => r.bindingMessage!.replace(/ #\w+$/, '')).sort()).toEqual(['Pay 600.00 EUR to Demo Store', 'Pay 6000.00 EUR to Demo Store']);
    await device.decide(req!.id, 'approve');
    const ok = await call;
    expect(ok.structuredContent).toMatchObject({ amount: 600 });
    const other = both.find((r) => r.id !== req!.id)!;
    await device.decide(other.id, 'deny');
    expect(errorCodeOf(await changed)).toBe('approval_denied');
    const placed = gh.db.prepare("SELECT amount, currency FROM demo_orders WHERE sub = 'alice' AND item = 'Exact'").all() as { amount: string; currency: string }[];
    expect(placed.map((o) => [Number(o.amount), o.currency])).toEqual([[600, 'EUR']]);
  }, 40_000);

  it('a token whose authorization_details carry another digest is refused; nothing runs', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const before = orders(gh);
    const call = purchase(gh, alice, { ...LAPTOP, item: 'Forged' });
    const [req] = await waitForRequests(device);
    // Play a compromised (or buggy) authorization server: approve with details for different arguments.
    const { provider } = gh.authServer!;
    // The device page names the request by the hash it is stored under; the server's ledger holds the auth_req_id.
    const authReqId = (gh.db.prepare("SELECT auth_req_id FROM approvals WHERE status = 'pending'").all() as { auth_req_id: string }[])
      .map((r) => r.auth_req_id)
      .find((id) => createHash('sha256').update(id).digest('base64url') === req!.id)!;
    const request = await provider.BackchannelAuthenticationRequest.find(authReqId);
    const forged = req!.details.map((d) => ({ ...d, properties: { ...d.properties, digest: { ...d.properties.digest, value: 'X'.repeat(43) } } }));
    const grant = new provider.Grant({ accountId: 'alice', clientId: request!.clientId! });
    grant.addOIDCScope('openid');
    for (const d of forged) grant.addRar(d as never);
    await grant.save();
    await provider.backchannelResult(request!, grant, { rar: forged as never });
    const result = await call;
    expect(errorCodeOf(result)).toBe('approval_invalid');
    expect(textOf(result)).toContain('it approves different arguments');
    expect(orders(gh)).toBe(before);
  }, 40_000);

  it('the audit log links request, approval (approver, time) and execution', async () => {
    const device = await deviceFor(gh.issuer, 'alice');
    const call = purchase(gh, alice, { ...LAPTOP, item: 'Audited' });
    const [req] = await waitForRequests(device);
    await device.decide(req!.id, 'approve');
    const result = await call;
    const approvalId = (result.structuredContent as { approval: { id: string } }).approval.id;
    const entries = (await gh.audit.recent(200)).filter((e) => JSON.stringify(e.data).includes(approvalId)).reverse();
    expect(entries.map((e) => e.event)).toEqual(['approval_requested', 'approval_resolved', 'tool_call']);
    const [requested, resolved, toolCall] = entries.map((e) => e.data as Record<string, unknown>);
    expect(requested).toMatchObject({ sub: 'alice', tool: 'purchase', bindingMessage: req!.bindingMessage });
    expect(resolved).toMatchObject({ decision: 'approved', approvedBy: 'alice' });
    expect(String(resolved!.approvedAt)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(toolCall).toMatchObject({ result: 'ok', digest: requested!.digest });
    expect((toolCall!.decisions as { gate: string }[]).find((d) => d.gate === 'approve')).toMatchObject({
      decision: 'allow',
      detail: { approvalId, approver: 'alice', approvedAt: resolved!.approvedAt },
    });
    expect(JSON.stringify(entries)).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect((await gh.audit.verify()).ok).toBe(true);
  }, 40_000);
});

describe('pending, expiry and slow_down', () => {
  it('no answer within the wait: approval_pending with id and expiry; no answer at all: approval_expired', async () => {
    const gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '1', GATEHOUSE_APPROVAL_EXPIRY_SECONDS: '3', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    try {
      const alice = await tokenFor(gh, 'alice', 'purchases:create');
      const pending = await purchase(gh, alice);
      expect(errorCodeOf(pending)).toBe('approval_pending');
      expect(textOf(pending)).toMatch(/Approval \w{26} is open until \d{4}-\d\d-\d\dT[\d:.]+Z/);
      await new Promise((r) => setTimeout(r, 3200));
      expect(errorCodeOf(await purchase(gh, alice))).toBe('approval_expired');
      expect(orders(gh)).toBe(0);
    } finally {
      await gh.stop();
    }
  }, 30_000);

  it('the embedded server answers slow_down to a client that polls faster than the interval', async () => {
    const gh = await startTestGatehouse({ GATEHOUSE_CIBA_INTERVAL_SECONDS: '2' });
    try {
      const { clientId, clientSecret } = gh.authServer!.serverClient;
      const config = await oidc.discovery(new URL(gh.issuer), clientId, undefined, oidc.ClientSecretPost(clientSecret), { execute: [oidc.allowInsecureRequests] });
      const started = await oidc.initiateBackchannelAuthentication(config, {
        login_hint: JSON.stringify({ format: 'iss_sub', iss: gh.issuer, sub: 'alice' }),
        scope: 'openid',
        binding_message: 'slow down test',
      });
      expect(started.interval).toBe(2);
      const poll = () => oidc.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', { auth_req_id: started.auth_req_id }).catch((e: oidc.ResponseBodyError) => e.error);
      expect(await poll()).toBe('authorization_pending');
      expect(await poll()).toBe('slow_down');
      await new Promise((r) => setTimeout(r, 2100));
      expect(await poll()).toBe('authorization_pending');
    } finally {
      await gh.stop();
    }
  }, 30_000);

  it('binding messages outside Auth0\'s rules are refused by the embedded server', async () => {
    const gh = await startTestGatehouse();
    try {
      const { clientId, clientSecret } = gh.authServer!.serverClient;
      const config = await oidc.discovery(new URL(gh.issuer), clientId, undefined, oidc.ClientSecretPost(clientSecret), { execute: [oidc.allowInsecureRequests] });
      const err = await oidc
        .initiateBackchannelAuthentication(config, { login_hint: JSON.stringify({ format: 'iss_sub', iss: gh.issuer, sub: 'alice' }), scope: 'openid', binding_message: 'Pay €5; ok?' })
        .catch((e: oidc.ResponseBodyError) => e.error);
      expect(err).toBe('invalid_binding_message');
    } finally {
      await gh.stop();
    }
  });
});

describe('restart', () => {
  it('a pending approval survives a restart (same data dir, same ports) and resumes without a second prompt', async () => {
    const dataDir = tempDir();
    const env = {
      GATEHOUSE_APPROVAL_WAIT_SECONDS: '1',
      GATEHOUSE_CIBA_INTERVAL_SECONDS: '1',
      GATEHOUSE_PORT: String(await freePort()),
      GATEHOUSE_AUTH_PORT: String(await freePort()),
    };
    let gh = await startTestGatehouse(env, { dataDir });
    const alice = await tokenFor(gh, 'alice', 'purchases:create');
    const pending = await purchase(gh, alice);
    expect(errorCodeOf(pending)).toBe('approval_pending');
    const approvalId = /Approval (\w+) is open/.exec(textOf(pending))![1];
    await gh.close();
    // Let this process's HTTP client notice the closed keep-alive sockets before reusing the origins.
    await new Promise((r) => setTimeout(r, 100));

    gh = await startTestGatehouse({ ...env, GATEHOUSE_APPROVAL_WAIT_SECONDS: '15' }, { dataDir });
    try {
      const device = await deviceFor(gh.issuer, 'alice');
      const [req] = await waitForRequests(device);
      const call = purchase(gh, alice);
      await new Promise((r) => setTimeout(r, 300));
      expect((await device.list()).requests).toHaveLength(1);
      await device.decide(req!.id, 'approve');
      const result = await call;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ approval: { id: approvalId, approvedBy: 'alice' } });
      expect(gh.db.prepare('SELECT COUNT(*) AS n FROM approvals').get()).toEqual({ n: 1 });
    } finally {
      await gh.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
