import { z } from 'zod';
import type { AnyTool, ApprovalDescription } from '../tools/define.js';

/**
 * RFC 9396 authorization_details for one tool call: what will happen, in a person's words, plus the
 * digest that binds the approval to exactly these arguments, this caller and this resource. The same
 * schema checks what we send, what the authorization server accepts and what comes back in the token.
 */
export const APPROVAL_DETAIL_TYPE = 'gatehouse_tool_call';

const text = (max: number) => z.string().min(1).max(max);

export const ToolCallDetail = z
  .object({
    type: z.literal(APPROVAL_DETAIL_TYPE),
    /** RFC 9396 common fields: where (the MCP URL) and what (the tool name). */
    locations: z.array(z.url()).length(1),
    actions: z.array(text(64)).length(1),
    action: text(300),
    recipients: z.array(text(320)).min(1).max(50).optional(),
    amount: z.object({ value: z.string().regex(/^\d{1,15}(\.\d{1,8})?$/), currency: z.string().regex(/^[A-Z]{3}$/) }).strict().optional(),
    merchant: text(200).optional(),
    environment: text(100).optional(),
    justification: text(500).optional(),
    /** sha256 of (tool, RFC 8785 canonical arguments, caller sub, resource), base64url. */
    digest: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();

export type ToolCallDetail = z.infer<typeof ToolCallDetail>;

export const AuthorizationDetails = z.array(ToolCallDetail).length(1);

export interface DetailInput {
  readonly tool: AnyTool;
  readonly args: Record<string, unknown>;
  readonly digest: string;
  readonly resource: string;
}

/** The tool's own description of the call, or one derived generically from its arguments. */
export function describeCall(tool: AnyTool, args: Record<string, unknown>): ApprovalDescription {
  return tool.describeApproval ? tool.describeApproval(args) : deriveDescription(tool, args);
}

export function buildAuthorizationDetails(input: DetailInput, description = describeCall(input.tool, input.args)): ToolCallDetail[] {
  const d = description;
  const detail = {
    type: APPROVAL_DETAIL_TYPE,
    locations: [input.resource],
    actions: [input.tool.name],
    action: clip(d.action, 300),
    recipients: d.recipients?.length ? d.recipients.slice(0, 50).map((r) => clip(r, 320)) : undefined,
    amount: d.amount ? { value: decimal(d.amount.value), currency: d.amount.currency.toUpperCase() } : undefined,
    merchant: d.merchant ? clip(d.merchant, 200) : undefined,
    environment: d.environment ? clip(d.environment, 100) : undefined,
    justification: d.justification ? clip(d.justification, 500) : undefined,
    digest: input.digest,
  };
  // Fail closed on anything the schema refuses (e.g. a currency that is not ISO 4217-shaped).
  return [ToolCallDetail.parse(JSON.parse(JSON.stringify(detail)))];
}

/** Generic wording for tools without describeApproval: the title and the arguments, named as they are. */
function deriveDescription(tool: AnyTool, args: Record<string, unknown>): ApprovalDescription {
  const str = (k: string) => (typeof args[k] === 'string' && args[k] !== '' ? (args[k] as string) : undefined);
  const list = (...keys: string[]) =>
    keys.flatMap((k) => (typeof args[k] === 'string' ? [args[k] as string] : Array.isArray(args[k]) ? (args[k] as unknown[]).filter((v): v is string => typeof v === 'string') : []));
  const recipients = list('to', 'recipients', 'cc', 'bcc');
  const amount = typeof args.amount === 'number' && str('currency') ? { value: args.amount, currency: str('currency')! } : undefined;
  const shown = Object.entries(args)
    .filter(([, v]) => v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
  const title = tool.title ?? tool.name;
  return {
    action: shown ? `${title} (${shown})` : title,
    summary: title,
    recipients: recipients.length ? recipients : undefined,
    amount,
    merchant: str('merchant'),
    environment: str('environment'),
    justification: str('justification') ?? str('reason'),
  };
}

function decimal(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new TypeError('authorization details: amount must be a finite, non-negative number');
  const s = String(value);
  if (!/e/i.test(s)) return s;
  return value.toFixed(8).replace(/\.?0+$/, '');
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
