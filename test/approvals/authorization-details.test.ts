import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { approvalText, formatAmount } from '../../src/approvals/approval-text.js';
import { recallApprovalText } from '../../src/approvals/approval-texts.js';
import { APPROVAL_DETAIL_TYPE, AuthorizationDetails, buildAuthorizationDetails, describeCall } from '../../src/approvals/authorization-details.js';
import { bindingMessage, isValidBindingMessage } from '../../src/approvals/binding-message.js';
import type { AuthorizedRetriever } from '../../src/rag/authorized-retriever.js';
import type { DocumentStore } from '../../src/rag/document-store.js';
import { builtinTools } from '../../src/tools/catalog/index.js';
import { documentTools } from '../../src/tools/catalog/documents.js';
import { purchaseTool } from '../../src/tools/catalog/purchase.js';
import { defineTool, type AnyTool } from '../../src/tools/define.js';

const RESOURCE = 'http://127.0.0.1:8787/mcp';
const DIGEST = 'A'.repeat(43);
const build = (tool: AnyTool, args: Record<string, unknown>) => buildAuthorizationDetails({ tool, args, digest: DIGEST, resource: RESOURCE });
const byName = (name: string) => allTools().find((t) => t.name === name)!;

/**
 * Auth0's rules, written from its documentation ("Configure Rich Authorization Requests") and
 * independently of the builder's own schema: Guardian renders exactly one object of type
 * urn:auth0:schemas:authorization-details:v1:<name> with `instruction` and `properties`
 * ({key: {display, name, display_order, value}}); every channel caps values at 255 characters,
 * properties at 10 and the whole parameter at 5 KB; property names use a-zA-Z0-9_.- only.
 */
function guardianProblems(details: unknown): string[] {
  const problems: string[] = [];
  if (!Array.isArray(details) || details.length !== 1) return ['not exactly one object'];
  if (Buffer.byteLength(JSON.stringify(details)) > 5 * 1024) problems.push('over 5 KB');
  const d = details[0] as Record<string, unknown>;
  if (typeof d.type !== 'string' || !/^urn:auth0:schemas:authorization-details:v1:[A-Za-z0-9_.-]+$/.test(d.type)) problems.push('type');
  if (typeof d.instruction !== 'string' || !d.instruction || d.instruction.length > 255) problems.push('instruction');
  const extra = Object.keys(d).filter((k) => !['type', 'instruction', 'properties'].includes(k));
  if (extra.length) problems.push(`extra fields ${extra.join(',')}`);
  const props = d.properties as Record<string, Record<string, unknown>> | undefined;
  if (!props || typeof props !== 'object') return [...problems, 'properties'];
  if (Object.keys(props).length > 10) problems.push('more than 10 properties');
  for (const [k, p] of Object.entries(props)) {
    if (!/^[A-Za-z0-9_.-]{1,255}$/.test(k)) problems.push(`name ${k}`);
    if (typeof p.display !== 'boolean') problems.push(`${k}.display`);
    if (typeof p.name !== 'string' || !p.name || p.name.length > 255) problems.push(`${k}.name`);
    if (typeof p.display_order !== 'number' || !Number.isInteger(p.display_order)) problems.push(`${k}.display_order`);
    if (typeof p.value !== 'string' || !p.value || p.value.length > 255) problems.push(`${k}.value`);
    if (typeof p.value === 'string' && /[\u0000-\u001F\u007F\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(p.value)) problems.push(`${k}.value has control or bidi characters`);
  }
  return problems;
}

function allTools(): AnyTool[] {
  const retriever = { search: async () => ({ hits: [], trace: {} }) } as unknown as AuthorizedRetriever;
  const store = { get: () => undefined } as unknown as DocumentStore;
  return [...builtinTools, ...documentTools({ retriever, store }), purchaseTool(500)];
}

const bidi = '\u202E\u2066\u200F\u061C';
const long = (n: number, unit = 'x') => unit.repeat(n);
/** Representative and maximal (every field at its schema's limit, multi-byte and hostile text) arguments per built-in tool. */
const ARGS: Record<string, Record<string, unknown>[]> = {
  whoami: [{}],
  list_calendar_events: [{ from: '2026-05-04T00:00:00Z', to: '2026-05-05T00:00:00Z' }],
  create_calendar_event: [
    { title: 'Team sync', start: '2026-05-04T10:00:00Z', end: '2026-05-04T11:00:00Z', attendees: [] },
    { title: long(200, '日'), start: '2026-05-04T10:00:00+02:00', end: '2026-05-04T11:00:00+02:00', attendees: Array.from({ length: 50 }, (_, i) => `attendee${i}.${long(40, 'a')}@example.com`) },
  ],
  send_email: [
    { to: ['bob@acme.example'], subject: 'Q4 plan', body: 'Here is the plan for Q4.' },
    { to: Array.from({ length: 20 }, (_, i) => `${long(60, 'r')}${i}@${long(60, 'd')}.example`), subject: long(100, '😀'), body: `${bidi}${long(20_000 - 4, 'é\n')}`.slice(0, 20_000) },
  ],
  search_documents: [{ query: 'budget', k: 10 }, { query: long(500, '€'), k: 50 }],
  read_document: [{ id: 'q3-budget' }, { id: long(128, 'a') }],
  purchase: [
    { item: 'Laptop', amount: 900, currency: 'EUR', merchant: 'Demo Store' },
    { item: `${long(98, '😀')}${bidi}`, amount: 1_000_000_000, currency: 'BHD', merchant: long(100, 'm') },
  ],
};

describe('approval texts from typed fields', () => {
  it('the misleading item: the binding message carries the amount and never the item; the item is quoted data', () => {
    const args = { item: 'USB cable" for 5 USD from Amazon. Order ref ABC', amount: 4999, currency: 'USD', merchant: 'Amazon' };
    const text = describeCall(purchaseTool(500), args);
    const message = bindingMessage(text.summary, 'CODE12');
    expect(message).toBe('Pay 4999.00 USD unverified merchant #CODE12');
    const [d] = build(purchaseTool(500), args);
    expect(d!.instruction).toBe('Approve a purchase from the demo merchant (no real money moves)');
    expect(d!.properties.amount).toEqual({ display: true, name: 'Amount', display_order: 1, value: '4999.00 USD' });
    expect(d!.properties.merchant).toMatchObject({ name: 'Merchant (unverified)', value: '"Amazon"' });
    expect(d!.properties.item).toMatchObject({ name: 'Item', value: '"USB cable\\" for 5 USD from Amazon. Order ref ABC"' });
  });

  it('a listed merchant is named in the binding message; amounts use the currency\'s minor units and are never rounded', () => {
    expect(bindingMessage(describeCall(purchaseTool(500), { item: 'x', amount: 900.5, currency: 'EUR', merchant: 'Demo Store' }).summary, 'C1')).toBe('Pay 900.50 EUR to Demo Store #C1');
    expect(formatAmount(4999, 'USD')).toBe('4999.00');
    expect(formatAmount(4999, 'JPY')).toBe('4999');
    expect(formatAmount(1.5, 'BHD')).toBe('1.500');
    expect(formatAmount(0.001, 'USD')).toBe('0.001');
    expect(formatAmount(499, 'BTC')).toBe('499.00');
    expect(formatAmount(1e-7, 'EUR')).toBe('0.0000001');
  });

  it('bidi overrides, isolates, marks and newlines never reach a one-line value', () => {
    const item = `Lap\u202Etop\u2066 x\u2069\u200E\u200F\u061C\r\nref\u0007 9`;
    const [d] = build(purchaseTool(500), { item, amount: 1, currency: 'EUR', merchant: 'Demo Store' });
    expect(d!.properties.item!.value).toBe('"Laptop x ref 9"');
    const text = describeCall(byName('send_email'), { to: ['a@b.example'], subject: `Hi\u202E`, body: `line 1\r\nline\u202E 2\u2067` });
    expect(text.rows.find((r) => r.key === 'subject')!.value).toBe('Hi');
    expect(text.rows.find((r) => r.key === 'body')!.value).toBe('line 1\nline 2');
  });

  it('send_email: the binding message names the recipient count and the first recipient; a padded body is summarised with its length and sha256', () => {
    const body = `Hi,${' '.repeat(400)}P.S. also wire 10,000 USD to account 12345`;
    const args = { to: ['bob@acme.example', 'carol@acme.example', 'dave@acme.example'], subject: 'Q4 plan', body };
    const text = describeCall(byName('send_email'), args);
    expect(bindingMessage(text.summary, 'CODE12')).toBe('Email 3 recipients bob at acme.example #CODE12');
    expect(text.rows.find((r) => r.key === 'body')!.value).toBe(body);
    const [d] = build(byName('send_email'), args);
    const sha = createHash('sha256').update(body).digest('base64url');
    expect(d!.properties.body!.value).toBe(`"Hi, P.S. also wire 10,000 USD to account 12345" (${body.length} characters, spacing collapsed, sha256 ${sha})`);
    expect(d!.properties.recipients).toMatchObject({ name: 'Recipients (3)', value: 'bob@acme.example, carol@acme.example, dave@acme.example' });
    // The full text the device page shows is the one the details' content sha256 names.
    expect(recallApprovalText(d!.properties.content!.value)).toEqual(text);
  });

  it('a long body is cut with an ellipsis and summarised as "body: 2,400 characters, sha256 …"', () => {
    const body = 'word '.repeat(480);
    const [d] = build(byName('send_email'), { to: ['bob@acme.example'], subject: 's', body });
    const sha = createHash('sha256').update(body).digest('base64url');
    expect(d!.properties.body!.value).toBe(`"${'word '.repeat(24)}…" (2,400 characters, sha256 ${sha})`);
  });

  it('a recipient the binding alphabet cannot express is left out, the count stays', () => {
    expect(describeCall(byName('send_email'), { to: ["o'brien@acme.example"], subject: 's', body: 'b' }).summary).toBe('Email 1 recipient');
  });

  it('tools without describeApproval show each argument as labelled, quoted data', () => {
    const tool = defineTool({
      name: 'note',
      title: 'Write a note',
      description: 'test',
      input: z.object({ text: z.string(), n: z.number() }),
      scopes: ['email:send'],
      risk: 'high',
      approval: 'always',
      async run() {
        return { text: 'ok' };
      },
    });
    const text = approvalText(tool, { text: 'Pay 5 USD"\u202E', n: 3 });
    expect(text.summary).toBe('Approve note');
    expect(text.action).toBe('Approve a call to Write a note');
    expect(text.rows).toEqual([
      { key: 'arg1', label: 'n', kind: 'fact', value: '3' },
      { key: 'arg2', label: 'text', kind: 'text', value: 'Pay 5 USD"' },
    ]);
  });

  it.each(Object.entries(ARGS).flatMap(([tool, list]) => list.map((args, i) => [`${tool} #${i + 1}`, tool, args] as const)))(
    'Guardian schema: %s builds one renderable object within Auth0\'s limits',
    (_label, name, args) => {
      const tool = byName(name);
      const parsed = tool.input.parse(args) as Record<string, unknown>;
      const details = build(tool, parsed);
      expect(guardianProblems(details)).toEqual([]);
      expect(details[0]!.type).toBe(APPROVAL_DETAIL_TYPE);
      expect(isValidBindingMessage(bindingMessage(describeCall(tool, parsed).summary, 'ABC123'))).toBe(true);
    },
  );

  it('every built-in tool has representative arguments above', () => {
    expect(allTools().map((t) => t.name).sort()).toEqual(Object.keys(ARGS).sort());
  });

  it('the schema refuses extra fields, other types, two objects and none; the builder fails closed on a bad digest or currency', () => {
    const [d] = build(purchaseTool(0), { item: 'x', amount: 1, currency: 'EUR', merchant: 'm' });
    expect(AuthorizationDetails.safeParse([{ ...d, extra: 1 }]).success).toBe(false);
    expect(AuthorizationDetails.safeParse([{ ...d, type: 'gatehouse_tool_call' }]).success).toBe(false);
    expect(AuthorizationDetails.safeParse([d, d]).success).toBe(false);
    expect(AuthorizationDetails.safeParse([]).success).toBe(false);
    expect(() => buildAuthorizationDetails({ tool: purchaseTool(0), args: { item: 'x', amount: 1, currency: 'EUR', merchant: 'm' }, digest: 'short', resource: RESOURCE })).toThrow();
    expect(() => build(purchaseTool(0), { item: 'x', amount: 1, currency: 'euro', merchant: 'm' })).toThrow(/ISO 4217/);
    expect(() => build(purchaseTool(0), { item: 'x', amount: -1, currency: 'EUR', merchant: 'm' })).toThrow(/non-negative/);
  });
});
