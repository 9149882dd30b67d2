import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFor, waitForRequests } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call, connectGoogle } from '../helpers/vault.js';

/**
 * The two gates that send_email needs, together: Token Vault supplies the Gmail token, CIBA gets the
 * human's approval, and the mail goes out exactly once with exactly the approved content.
 */
describe('send_email: connected account + approval, end to end', () => {
  let gh: TestGatehouse;
  let token: string;
  const args = { to: ['bob@acme.example'], subject: 'Q4 plan', body: 'Here is the plan for Q4.' };

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    token = await tokenFor(gh, 'alice', 'identity:read email:send');
    await connectGoogle(gh, 'alice');
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('waits for approval, sends once, and the audit names the connection and the approver', async () => {
    const pending = call(gh, token, 'send_email', args);
    const device = await deviceFor(gh.issuer, 'alice');
    const [request] = await waitForRequests(device);
    expect(request!.bindingMessage).toMatch(/^[A-Za-z0-9+\-_.,:# ]{1,64}$/);
    expect(gh.providers!.data.sent.get('alice@acme.example') ?? []).toHaveLength(0);
    await device.decide(request!.id, 'approve');

    const { message } = await pending;
    expect(message.result?.isError, JSON.stringify(message)).toBeFalsy();
    const sent = gh.providers!.data.sent.get('alice@acme.example')!;
    expect(sent).toHaveLength(1);
    const raw = Buffer.from(sent[0]!.raw, 'base64url').toString();
    expect(raw).toContain('To: bob@acme.example');
    expect(raw).toContain('Subject: Q4 plan');
    expect(Buffer.from(raw.split('\r\n\r\n')[1]!, 'base64').toString()).toBe('Here is the plan for Q4.');

    const entry = (await gh.audit.recent(20)).find((e) => e.event === 'tool_call' && e.data.tool === 'send_email')!;
    const decisions = entry.data.decisions as { gate: string; decision: string; detail?: Record<string, unknown> }[];
    expect(decisions.map((d) => [d.gate, d.decision])).toEqual([
      ['callers', 'allow'],
      ['scopes', 'allow'],
      ['rateLimit', 'allow'],
      ['authorize', 'skip'],
      ['connect', 'allow'],
      ['budget', 'skip'],
      ['approve', 'allow'],
    ]);
    expect(decisions.find((d) => d.gate === 'connect')!.detail).toMatchObject({ connection: 'google-oauth2' });
    expect(decisions.find((d) => d.gate === 'approve')!.detail).toMatchObject({ approver: 'alice' });
    expect(JSON.stringify(await gh.audit.recent(50))).not.toMatch(/ya29\.|1\/\/|eyJ/);
  });

  it('the same arguments again ask again: one approval, one execution', async () => {
    const pending = call(gh, token, 'send_email', args);
    const device = await deviceFor(gh.issuer, 'alice');
    const [request] = await waitForRequests(device);
    await device.decide(request!.id, 'deny');
    const { message } = await pending;
    expect(message.result?.isError).toBe(true);
    expect(message.result?.structuredContent).toMatchObject({ error: { code: 'approval_denied' } });
    expect(gh.providers!.data.sent.get('alice@acme.example')).toHaveLength(1);
  });
});
