import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { approvalsCommand, describePending } from '../../src/cli/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { deviceFor, LAPTOP, textOf, waitForRequests } from '../helpers/approvals.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';
import { stateCount } from '../helpers/state.js';

/**
 * A high-risk purchase waits for alice's approval, given from a terminal with
 * `gatehouse approvals approve --user alice` against the running embedded authorization server.
 */
let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '20', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await gh?.stop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const url = new URL(gh.issuer);
  vi.stubEnv('GATEHOUSE_HOST', url.hostname);
  vi.stubEnv('GATEHOUSE_AUTH_PORT', url.port);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await approvalsCommand(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('gatehouse approvals (CLI as the trusted device)', () => {
  it('list shows the request in plain words; approve lets the waiting call run once', async () => {
    const client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'purchases:create'));
    const call = client.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, { resetTimeoutOnProgress: true, onprogress: () => {} });
    await waitForRequests(await deviceFor(gh.issuer, 'alice'));

    const listed = await cli('list', '--user', 'alice');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('Approve a purchase from the demo merchant (no real money moves)');
    expect(listed.out).toContain('    Amount: 900.00 EUR\n    Merchant: Demo Store\n    Item: "Laptop"\n    Tool: purchase\n');
    expect(listed.out).toMatch(/Pay 900\.00 EUR to Demo Store #\w{6}/);
    expect(listed.out).not.toContain('Approval digest');

    expect((await cli('list', '--user', 'bob')).out).toContain('no approval requests waiting for bob');
    const bobTries = await cli('approve', '--user', 'bob');
    expect(bobTries.code).toBe(1);

    const approved = await cli('approve', '--user', 'alice');
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/^approved: /);

    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^Ordered "Laptop" for 900 EUR from Demo Store: order ord_\w+\. Approved by alice at /);
    expect(await stateCount(gh, 'demo_orders')).toBe(1);
    await client.close();
  }, 30_000);

  it('deny refuses the waiting call with approval_denied; nothing runs', async () => {
    const client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'purchases:create'));
    const before = await stateCount(gh, 'demo_orders');
    const call = client.callTool({ name: 'purchase', arguments: { ...LAPTOP, item: 'Monitor' } });
    const [req] = await waitForRequests(await deviceFor(gh.issuer, 'alice'));
    expect((await cli('deny', '--user', 'alice', '--id', req!.id)).code).toBe(0);
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('[approval_denied]');
    expect(await stateCount(gh, 'demo_orders')).toBe(before);
    await client.close();
  }, 30_000);

  it('list prints the whole approval text (every recipient, the body line by line) and no control sequence', () => {
    const printed = describePending({
      id: 'req1',
      clientName: 'Gatehouse',
      bindingMessage: 'Email 2 recipients bob at acme.example #ABC123',
      expiresAt: '2026-01-01T00:00:00.000Z',
      details: [{ instruction: 'Approve sending an email from your Gmail account', properties: { tool: { display: true, name: 'Tool', display_order: 4, value: 'send_email' } } }],
      text: {
        rows: [
          { label: 'Recipients (2)', kind: 'list', value: 'bob@acme.example, carol@acme.example', items: ['bob@acme.example', 'carol@acme.example'] },
          { label: 'Subject', kind: 'text', value: 'Q4\u001b[2J plan' },
          { label: 'Body', kind: 'text', value: 'Hi,\n\u202Eevil\nBye', multiline: true },
        ],
      },
    });
    expect(printed).toBe(
      [
        'req1  Email 2 recipients bob at acme.example #ABC123',
        '    Approve sending an email from your Gmail account  [Gatehouse, expires 2026-01-01T00:00:00.000Z]',
        '    Recipients (2): bob@acme.example, carol@acme.example',
        '    Subject: "Q4[2J plan"',
        '    Body:',
        '      | Hi,',
        '      | evil',
        '      | Bye',
        '    Tool: send_email',
        '',
      ].join('\n'),
    );
  });

  it('usage errors are clear', async () => {
    await expect(cli('approve')).rejects.toThrow(/--user must be one of/);
    await expect(cli('frobnicate', '--user', 'alice')).rejects.toThrow(/usage: gatehouse approvals/);
  });
});
