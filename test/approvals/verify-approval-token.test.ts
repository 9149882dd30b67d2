import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyApprovalToken, type ExpectedApproval } from '../../src/approvals/verify-approval-token.js';
import { APPROVAL_DETAIL_TYPE, type ToolCallDetail } from '../../src/approvals/authorization-details.js';

const ISSUER = 'http://127.0.0.1:8788';
const MCP = 'http://127.0.0.1:8787/mcp';
const DIGEST = 'd'.repeat(43);
const expected: ExpectedApproval = { issuer: ISSUER, audience: MCP, clientId: 'gatehouse-server', sub: 'alice', digest: DIGEST, resource: MCP, clockSkewSeconds: 0 };
const prop = (display_order: number, value: string, display = true) => ({ display, name: `P${display_order}`, display_order, value });
const detail: ToolCallDetail = {
  type: APPROVAL_DETAIL_TYPE,
  instruction: 'Approve a purchase',
  properties: { amount: prop(1, '900.00 EUR'), tool: prop(2, 'purchase'), server: prop(3, MCP), digest: prop(4, DIGEST, false), content: prop(5, 'c'.repeat(43), false) },
};
const withProp = (key: string, value: string): ToolCallDetail => ({ ...detail, properties: { ...detail.properties, [key]: { ...detail.properties[key]!, value } } });

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: Key;
let otherKey: Key;
let keys: ReturnType<typeof createLocalJWKSet>;
beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' } as JWK] });
});

function token(claims: Record<string, unknown> = {}, key = privateKey): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: MCP, sub: 'alice', azp: 'gatehouse-server', authorization_details: [detail], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('verifyApprovalToken', () => {
  it('accepts the approval of exactly this call and says who approved it and when', async () => {
    const v = await verifyApprovalToken(await token(), keys, expected);
    expect(v.approvedBy).toBe('alice');
    expect(v.validUntil).toBeGreaterThan(v.approvedAt);
  });

  it.each([
    ['another digest', { authorization_details: [withProp('digest', 'e'.repeat(43))] }, /different arguments/],
    ['another user', { sub: 'bob' }, /different user/],
    ['another client', { azp: 'someone-else' }, /different client/],
    ['another server in the details', { authorization_details: [withProp('server', 'http://evil.example/mcp')] }, /different server/],
    ['details in the retired gatehouse_tool_call shape', { authorization_details: [{ type: 'gatehouse_tool_call', locations: [MCP], actions: ['purchase'], action: 'Buy', digest: DIGEST }] }, /no valid authorization details/],
    ['no details', { authorization_details: undefined }, /no valid authorization details/],
    ['two details', { authorization_details: [detail, detail] }, /no valid authorization details/],
    ['an unknown detail field', { authorization_details: [{ ...detail, note: 'x' }] }, /no valid authorization details/],
    ['another audience', { aud: 'http://127.0.0.1:9999/mcp' }, /signature or claims/],
    ['another issuer', { iss: 'http://evil.example' }, /signature or claims/],
  ])('refuses a token with %s', async (_name, claims, message) => {
    await expect(verifyApprovalToken(await token(claims), keys, expected)).rejects.toMatchObject({ code: 'approval_invalid', message: expect.stringMatching(message) });
  });

  it('with the details that were asked for, refuses any other text even when digest and server match', async () => {
    const asked = { ...expected, details: [detail] };
    await expect(verifyApprovalToken(await token(), keys, asked)).resolves.toMatchObject({ approvedBy: 'alice' });
    const relabelled = [withProp('amount', '9.00 EUR')];
    await expect(verifyApprovalToken(await token({ authorization_details: relabelled }), keys, asked)).rejects.toMatchObject({
      code: 'approval_invalid',
      message: expect.stringMatching(/differ from those the user was asked to approve/),
    });
    await expect(verifyApprovalToken(await token({ authorization_details: [{ ...detail, instruction: 'Approve nothing much' }] }), keys, asked)).rejects.toMatchObject({ code: 'approval_invalid' });
  });

  it('refuses a token signed by another key', async () => {
    await expect(verifyApprovalToken(await token({}, otherKey), keys, expected)).rejects.toMatchObject({ code: 'approval_invalid' });
  });
});
