import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AnyTool } from '../tools/define.js';
import { approvalText, contentDigest, type ApprovalRow, type ApprovalText } from './approval-text.js';
import { rememberApprovalText } from './approval-texts.js';
import { isCleanSingleLine, quoted } from './sanitize-text.js';

/**
 * RFC 9396 authorization_details for one tool call, in the schema Auth0 Guardian renders: exactly one
 * object of type `urn:auth0:schemas:authorization-details:v1:<name>` with an `instruction` and
 * `properties` ({key: {display, name, display_order, value}}), within the limits Auth0 applies on every
 * channel (values <= 255 characters, <= 10 properties, <= 5 KB). Long content (an email body) is
 * summarised with its length and sha256; the device page shows it in full. The `digest` property binds
 * the approval to exactly one call; `content` names the full approval text the device page shows.
 */
export const APPROVAL_DETAIL_TYPE = 'urn:auth0:schemas:authorization-details:v1:gatehouse-tool-call';
export const RAR_VALUE_MAX = 255;
export const RAR_PROPERTIES_MAX = 10;
export const RAR_BYTES_MAX = 5 * 1024;

const clean = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(isCleanSingleLine, 'must be one line without control or bidi characters');

const b64urlDigest = /^[A-Za-z0-9_-]{43}$/;

export const DetailProperty = z
  .object({
    display: z.boolean(),
    name: clean(RAR_VALUE_MAX),
    display_order: z.number().int().min(1).max(RAR_PROPERTIES_MAX),
    value: clean(RAR_VALUE_MAX),
  })
  .strict();
export type DetailProperty = z.infer<typeof DetailProperty>;

export const ToolCallDetail = z
  .object({
    type: z.literal(APPROVAL_DETAIL_TYPE),
    instruction: clean(RAR_VALUE_MAX),
    properties: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/), DetailProperty),
  })
  .strict()
  .superRefine((d, ctx) => {
    const p = d.properties;
    const keys = Object.keys(p);
    if (keys.length > RAR_PROPERTIES_MAX) ctx.addIssue({ code: 'custom', message: `at most ${RAR_PROPERTIES_MAX} properties` });
    for (const k of ['tool', 'server', 'digest', 'content']) if (!p[k]) ctx.addIssue({ code: 'custom', message: `property "${k}" is required` });
    if (p.digest && !b64urlDigest.test(p.digest.value)) ctx.addIssue({ code: 'custom', message: 'digest must be a sha256 in base64url' });
    if (p.content && !b64urlDigest.test(p.content.value)) ctx.addIssue({ code: 'custom', message: 'content must be a sha256 in base64url' });
    const orders = Object.values(p).map((v) => v.display_order);
    if (new Set(orders).size !== orders.length) ctx.addIssue({ code: 'custom', message: 'display_order values must be distinct' });
    if (Buffer.byteLength(JSON.stringify(d)) > RAR_BYTES_MAX) ctx.addIssue({ code: 'custom', message: `at most ${RAR_BYTES_MAX} bytes` });
  });

export type ToolCallDetail = z.infer<typeof ToolCallDetail>;

/** Guardian renders exactly one object. */
export const AuthorizationDetails = z.array(ToolCallDetail).length(1);

export interface DetailInput {
  readonly tool: AnyTool;
  readonly args: Record<string, unknown>;
  readonly digest: string;
  readonly resource: string;
}

/** The approval text of a call (instruction as `action`, binding text as `summary`). */
export function describeCall(tool: AnyTool, args: Record<string, unknown>): ApprovalText {
  return approvalText(tool, args);
}

export function buildAuthorizationDetails(input: DetailInput, text: ApprovalText = describeCall(input.tool, input.args)): ToolCallDetail[] {
  const content = contentDigest(text);
  // Multi-byte text can pass 5 KB with every value under 255 characters: shorten the quoted heads until it fits.
  let detail: ToolCallDetail | undefined;
  for (const head of [120, 48, 0]) {
    detail = detailOf(input, text, content, head);
    if (Buffer.byteLength(JSON.stringify(detail)) <= RAR_BYTES_MAX) break;
  }
  // Fail closed on anything the schema refuses (a limit, a malformed digest).
  const parsed = ToolCallDetail.parse(detail);
  rememberApprovalText(content, text);
  return [parsed];
}

function detailOf(input: DetailInput, text: ApprovalText, content: string, head: number): ToolCallDetail {
  const properties: Record<string, DetailProperty> = {};
  let order = 0;
  const put = (key: string, name: string, value: string, display = true) => {
    properties[key] = { display, name, display_order: ++order, value };
  };
  for (const row of text.rows) put(row.key, row.label, rarValue(row, head));
  put('tool', 'Tool', input.tool.name);
  put('server', 'Server', fit(input.resource));
  put('digest', 'Approval digest', input.digest, false);
  put('content', 'Content sha256', content, false);
  return { type: APPROVAL_DETAIL_TYPE, instruction: fit(text.action), properties };
}

/**
 * A row as one RAR value of at most 255 characters: in full when it fits (free text quoted), else a
 * quoted head of at most `head` characters, the full length and its sha256; a long list names as many
 * items as fit, how many more, and the sha256 of all.
 */
export function rarValue(row: ApprovalRow, head = 120): string {
  const oneLine = row.value.replace(/\n+/g, ' ').replace(/ {2,}/g, ' ').trim() || '(empty)';
  const short = head >= 120;
  if (row.kind === 'fact') return oneLine.length <= RAR_VALUE_MAX ? oneLine : summarised(oneLine, row.value, false, head);
  if (row.kind === 'list') {
    const items = row.items ?? [];
    if (oneLine.length <= RAR_VALUE_MAX && short) return oneLine;
    const hash = sha256(row.value);
    const shownItems: string[] = [];
    for (const item of items) {
      const next = [...shownItems, item].join(', ');
      if (next.length > head * 2 || `${next}, and ${items.length} more (all ${items.length}: sha256 ${hash})`.length > RAR_VALUE_MAX) break;
      shownItems.push(item);
    }
    const rest = items.length - shownItems.length;
    if (!rest) return oneLine;
    return `${shownItems.length ? `${shownItems.join(', ')}, and ${rest} more` : `${rest} items`} (all ${items.length}: sha256 ${hash})`;
  }
  const whole = quoted(oneLine);
  if (whole.length <= RAR_VALUE_MAX && oneLine === row.value && (short || [...oneLine].length <= head * 2)) return whole;
  return summarised(oneLine, row.value, true, head);
}

function summarised(oneLine: string, full: string, quote: boolean, max: number): string {
  let head = [...oneLine].slice(0, max).join('');
  const render = (h: string) => {
    const whole = h === oneLine;
    const shown = whole ? h : `${h}…`;
    const note = whole && oneLine !== full ? ', spacing collapsed' : '';
    return `${quote ? quoted(shown) : shown} (${[...full].length.toLocaleString('en')} characters${note}, sha256 ${sha256(full)})`;
  };
  while (head && render(head).length > RAR_VALUE_MAX) head = [...head].slice(0, -8).join('');
  return render(head);
}

function fit(s: string): string {
  return s.length <= RAR_VALUE_MAX ? s : `${s.slice(0, RAR_VALUE_MAX - 1)}…`;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
