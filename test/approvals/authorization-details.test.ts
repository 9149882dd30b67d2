import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthorizationDetails, buildAuthorizationDetails, describeCall, APPROVAL_DETAIL_TYPE } from '../../src/approvals/authorization-details.js';
import { defineTool } from '../../src/tools/define.js';
import { purchaseTool } from '../../src/tools/catalog/purchase.js';

const RESOURCE = 'http://127.0.0.1:8787/mcp';
const DIGEST = 'A'.repeat(43);

const sendEmail = defineTool({
  name: 'send_email',
  title: 'Send email',
  description: 'test',
  input: z.object({ to: z.array(z.string()), subject: z.string(), body: z.string(), justification: z.string().optional() }),
  scopes: ['email:send'],
  risk: 'high',
  approval: 'always',
  async run() {
    return { text: 'sent' };
  },
});

describe('RAR authorization_details builder', () => {
  it('renders a purchase in a person\'s words, bound to the digest and the resource', () => {
    const tool = purchaseTool(500);
    const args = { item: 'Laptop', amount: 900.5, currency: 'EUR', merchant: 'Demo Store' };
    const [d] = buildAuthorizationDetails({ tool, args, digest: DIGEST, resource: RESOURCE });
    expect(d).toEqual({
      type: APPROVAL_DETAIL_TYPE,
      locations: [RESOURCE],
      actions: ['purchase'],
      action: 'Buy "Laptop" for 900.5 EUR from Demo Store',
      amount: { value: '900.5', currency: 'EUR' },
      merchant: 'Demo Store',
      environment: 'demo merchant (no real money)',
      digest: DIGEST,
    });
    expect(AuthorizationDetails.safeParse([d]).success).toBe(true);
  });

  it('derives a description for tools without describeApproval: recipients and justification from the arguments', () => {
    const args = { to: ['bob@acme.example', 'carol@contractor.example'], subject: 'Q3 numbers', body: 'See attached', justification: 'Bob asked for it' };
    const description = describeCall(sendEmail, args);
    expect(description.recipients).toEqual(['bob@acme.example', 'carol@contractor.example']);
    expect(description.justification).toBe('Bob asked for it');
    const [d] = buildAuthorizationDetails({ tool: sendEmail, args, digest: DIGEST, resource: RESOURCE });
    expect(d!.action).toContain('Send email');
    expect(d!.action).toContain('subject: Q3 numbers');
    expect(d!.recipients).toHaveLength(2);
  });

  it('clips long text and refuses values the schema does not allow (fail closed)', () => {
    const tool = purchaseTool(0);
    const [d] = buildAuthorizationDetails({ tool, args: { item: 'x'.repeat(400), amount: 1, currency: 'EUR', merchant: 'm' }, digest: DIGEST, resource: RESOURCE });
    expect(d!.action.length).toBeLessThanOrEqual(300);
    expect(() => buildAuthorizationDetails({ tool, args: { item: 'x', amount: 1, currency: 'euro', merchant: 'm' }, digest: DIGEST, resource: RESOURCE })).toThrow();
    expect(() => buildAuthorizationDetails({ tool, args: { item: 'x', amount: 1, currency: 'EUR', merchant: 'm' }, digest: 'short', resource: RESOURCE })).toThrow();
  });

  it('the token-side schema refuses unknown fields, other types and more than one detail', () => {
    const [d] = buildAuthorizationDetails({ tool: purchaseTool(0), args: { item: 'x', amount: 1, currency: 'EUR', merchant: 'm' }, digest: DIGEST, resource: RESOURCE });
    expect(AuthorizationDetails.safeParse([{ ...d, extra: 1 }]).success).toBe(false);
    expect(AuthorizationDetails.safeParse([{ ...d, type: 'payment_initiation' }]).success).toBe(false);
    expect(AuthorizationDetails.safeParse([d, d]).success).toBe(false);
    expect(AuthorizationDetails.safeParse([]).success).toBe(false);
  });
});
