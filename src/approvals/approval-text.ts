import { createHash } from 'node:crypto';
import type { AnyTool, ApprovalDescription } from '../tools/define.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { multiLine, singleLine } from './sanitize-text.js';

/**
 * What the person approving a call reads, derived only from the tool's typed approval description
 * (or, for tools without one, from the arguments shown one by one as labelled data). The same text
 * feeds the binding message, the RAR authorization_details (summarised to Auth0's limits) and the
 * device page (in full), so every surface says the same thing, and all of it derives from the
 * arguments the approval digest covers.
 */
export interface ApprovalRow {
  /** RAR property name: lower-case letters, digits, underscore. */
  readonly key: string;
  readonly label: string;
  /** fact: a typed value on one line; text: free text, always shown quoted; list: items (recipients). */
  readonly kind: 'fact' | 'text' | 'list';
  /** The full value, cleaned (for lists, the items joined by ", "). */
  readonly value: string;
  readonly items?: readonly string[];
  readonly multiline?: boolean;
}

export interface ApprovalText {
  readonly tool: string;
  /** The instruction: the tool's fixed sentence. */
  readonly action: string;
  /** The binding message without its code: verb plus the decisive facts, within Auth0's alphabet. */
  readonly summary: string;
  readonly rows: readonly ApprovalRow[];
}

/** Room for the summary in a 64-character binding message that ends with ` #` and a 6-character code. */
export const SUMMARY_MAX = 56;
/** RAR properties the approvals module adds itself (tool, server, digest, content) leave 6 for the rows. */
export const MAX_ROWS = 6;
export const RESERVED_KEYS = new Set(['tool', 'server', 'digest', 'content']);
const BINDING_CHARS = /^[A-Za-z0-9+\-_.,:# ]*$/;

export function approvalText(tool: AnyTool, args: Record<string, unknown>): ApprovalText {
  if (tool.describeApproval) return textOf(tool.name, tool.describeApproval(args) as ApprovalDescription);
  const text = textOf(tool.name, genericDescription(tool, args));
  // Tool names are [a-z0-9_] (defineTool checks): safe in the binding message, unlike any argument.
  const summary = `${text.summary} ${tool.name}`;
  return summary.length <= SUMMARY_MAX ? { ...text, summary } : text;
}

/** sha256 (base64url) of the canonical approval text: the RAR's `content` property names it. */
export function contentDigest(text: ApprovalText): string {
  return createHash('sha256').update(canonicalJson(text)).digest('base64url');
}

export function textOf(tool: string, d: ApprovalDescription): ApprovalText {
  if (!/^[A-Za-z][A-Za-z ]{0,19}$/.test(d.verb)) throw new TypeError(`approval text of ${tool}: verb must be 1-20 letters or spaces`);
  const action = singleLine(d.instruction);
  if (!action || action.length > 200) throw new TypeError(`approval text of ${tool}: instruction must be 1-200 characters`);
  const rows: ApprovalRow[] = [];
  let amount: string | undefined;
  if (d.amount) {
    if (!/^[A-Z]{3}$/.test(d.amount.currency)) throw new TypeError(`approval text of ${tool}: currency must be an ISO 4217-shaped code`);
    amount = `${formatAmount(d.amount.value, d.amount.currency)} ${d.amount.currency}`;
    rows.push({ key: 'amount', label: 'Amount', kind: 'fact', value: amount });
  }
  let merchant: { name: string; known: boolean } | undefined;
  if (d.merchant) {
    const name = singleLine(d.merchant.name);
    const known = d.merchant.knownMerchants.includes(name);
    merchant = { name, known };
    rows.push(known ? { key: 'merchant', label: 'Merchant', kind: 'fact', value: name } : { key: 'merchant', label: 'Merchant (unverified)', kind: 'text', value: name });
  }
  const recipients = d.recipients?.addresses.map(singleLine).filter(Boolean) ?? [];
  if (d.recipients && recipients.length) {
    rows.push({ key: 'recipients', label: `${singleLine(d.recipients.label)} (${recipients.length})`, kind: 'list', value: recipients.join(', '), items: recipients });
  }
  for (const f of d.facts ?? []) rows.push({ key: f.key, label: singleLine(f.label), kind: 'fact', value: singleLine(String(f.value)) });
  for (const t of d.texts ?? []) {
    const value = t.multiline ? multiLine(t.text) : singleLine(t.text);
    rows.push({ key: t.key, label: singleLine(t.label), kind: 'text', value, ...(t.multiline ? { multiline: true } : {}) });
  }
  const keys = new Set<string>();
  for (const r of rows) {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(r.key) || RESERVED_KEYS.has(r.key) || keys.has(r.key)) throw new TypeError(`approval text of ${tool}: bad or repeated key "${r.key}"`);
    if (!r.label || r.label.length > 60) throw new TypeError(`approval text of ${tool}: label of "${r.key}" must be 1-60 characters`);
    keys.add(r.key);
  }
  if (rows.length > MAX_ROWS) throw new TypeError(`approval text of ${tool}: at most ${MAX_ROWS} rows fit in one RAR object`);
  return { tool, action, summary: summaryOf(d.verb, amount, merchant, recipients, d.recipients?.label ?? 'Recipients'), rows };
}

/**
 * Verb, then the decisive facts, each only when it fits whole: "Pay 4999.00 USD to Demo Store",
 * "Pay 12.00 USD unverified merchant", "Email 3 recipients bob at example.com". Free text never.
 */
function summaryOf(verb: string, amount: string | undefined, merchant: { name: string; known: boolean } | undefined, recipients: readonly string[], label: string): string {
  const parts = [verb];
  const add = (part: string | undefined) => {
    if (part && BINDING_CHARS.test(part) && [...parts, part].join(' ').length <= SUMMARY_MAX) parts.push(part);
  };
  add(amount);
  if (merchant) add(merchant.known ? `to ${merchant.name}` : 'unverified merchant');
  if (recipients.length) {
    const noun = singleLine(label).toLowerCase();
    add(recipients.length === 1 ? `1 ${noun.replace(/s$/, '')}` : `${recipients.length} ${noun}`);
    add(addressForBinding(recipients[0]!));
  }
  return parts.join(' ');
}

/** "bob@example.com" -> "bob at example.com" ('@' is outside Auth0's binding alphabet); undefined when not expressible. */
export function addressForBinding(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const text = `${address.slice(0, at)} at ${address.slice(at + 1)}`;
  return BINDING_CHARS.test(text) ? text : undefined;
}

/**
 * An amount with its currency's minor units ("4999.00" USD, "4999" JPY, "1.500" BHD; 2 for codes Intl
 * does not know). A value with more decimals than the currency has is shown exactly, never rounded.
 */
export function formatAmount(value: number, currency: string): string {
  if (!Number.isFinite(value) || value < 0) throw new TypeError('approval text: amount must be a finite, non-negative number');
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    /* not a well-formed code: the schema refuses it elsewhere; keep 2 */
  }
  const fixed = value.toFixed(digits);
  if (Number(fixed) === value) return fixed;
  const plain = String(value);
  return /e/i.test(plain) ? value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : plain;
}

/** Tools without describeApproval: their title, and each argument as labelled data (never inside a sentence). */
function genericDescription(tool: AnyTool, args: Record<string, unknown>): ApprovalDescription {
  const facts: { key: string; label: string; value: string | number }[] = [];
  const texts: { key: string; label: string; text: string; multiline?: boolean }[] = [];
  const entries = Object.entries(args)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const shown = entries.length > MAX_ROWS ? entries.slice(0, MAX_ROWS - 1) : entries;
  const rest = entries.slice(shown.length);
  shown.forEach(([k, v], i) => {
    const key = `arg${i + 1}`;
    const label = singleLine(k).slice(0, 60) || key;
    if (typeof v === 'number' || typeof v === 'boolean') facts.push({ key, label, value: String(v) });
    else if (typeof v === 'string') texts.push({ key, label, text: v, multiline: /[\r\n]/.test(v) });
    else texts.push({ key, label, text: canonicalJson(v) });
  });
  if (rest.length) texts.push({ key: `arg${MAX_ROWS}`, label: `${rest.length} more arguments`, text: canonicalJson(Object.fromEntries(rest)) });
  return { verb: 'Approve', instruction: `Approve a call to ${tool.title ?? tool.name}`, facts, texts };
}
