import { argumentDigest } from '../approvals/argument-digest.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../identity/caller.js';
import type { AnyTool } from '../tools/define.js';

/** Longest tool name kept in the audit log as sent (tool names are at most 64 characters). */
const MAX_NAME = 100;

export type RejectionReason = 'batch' | 'unknown_tool' | 'invalid_arguments' | 'rate_limited';

/**
 * A `call_rejected` audit entry: a call refused before it could be considered (a JSON-RPC batch, an
 * unknown tool, arguments that fail the tool's schema, a caller over the tool's rate limit). Records who (sub, client), the tool name as sent (bounded),
 * the reason, and the argument digest — never the arguments themselves.
 */
export async function auditRejected(audit: AuditLog, caller: Caller, resource: string, r: { reason: RejectionReason; tool?: unknown; args?: unknown; count?: number; retryAfterSeconds?: number }): Promise<void> {
  const tool = typeof r.tool === 'string' ? (r.tool.length > MAX_NAME ? `${r.tool.slice(0, MAX_NAME)}…` : r.tool) : null;
  const digest = r.reason === 'batch' ? null : digestOf(typeof r.tool === 'string' ? r.tool : '', r.args, caller.sub, resource);
  await audit.append('call_rejected', {
    sub: caller.sub,
    kind: caller.kind,
    client: caller.clientId,
    reason: r.reason,
    tool,
    digest,
    ...(r.count === undefined ? {} : { count: r.count }),
    ...(r.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: r.retryAfterSeconds }),
  });
}

/**
 * For a single JSON-RPC `tools/call` message, the rejection the MCP server is about to answer with
 * (unknown tool, arguments that fail the tool's schema), so it can be audited; undefined otherwise.
 */
export function rejectionOf(body: unknown, tools: ReadonlyMap<string, AnyTool>): { reason: RejectionReason; tool: unknown; args: unknown } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { method, params } = body as { method?: unknown; params?: unknown };
  if (method !== 'tools/call' || !params || typeof params !== 'object') return undefined;
  const { name, arguments: args } = params as { name?: unknown; arguments?: unknown };
  const tool = typeof name === 'string' ? tools.get(name) : undefined;
  if (!tool) return { reason: 'unknown_tool', tool: name, args };
  return tool.input.safeParse(args ?? {}).success ? undefined : { reason: 'invalid_arguments', tool: name, args };
}

/** The argument digest of what was sent; null if it cannot be computed (the entry is written regardless). */
function digestOf(tool: string, args: unknown, sub: string, resource: string): string | null {
  try {
    return argumentDigest({ tool, args: args ?? {}, sub, resource });
  } catch {
    return null;
  }
}
