import type { CallToolResult } from '@modelcontextprotocol/server';
import { GatehouseError, RateLimitedError } from '../errors.js';
import type { ToolOutput } from '../tools/define.js';

/** A successful tool output as MCP content: text, resource links, and structuredContent. */
export function toCallToolResult(out: ToolOutput): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: out.text }];
  for (const l of out.links ?? []) {
    content.push({ type: 'resource_link', uri: l.uri, name: l.name, description: l.description, mimeType: l.mimeType });
  }
  return out.structured ? { content, structuredContent: out.structured } : { content };
}

/**
 * The edge translation of a failed call into a tool error result. Typed errors carry a client-safe
 * message and a stable code; anything else is reported as an internal error with a reference only.
 */
export function toToolError(err: GatehouseError): CallToolResult;
export function toToolError(err: unknown, reference: string): CallToolResult;
export function toToolError(err: unknown, reference?: string): CallToolResult {
  if (err instanceof GatehouseError && err.code !== 'internal_error') {
    return {
      isError: true,
      content: [{ type: 'text', text: `${err.message} [${err.code}]` }],
      structuredContent: { error: { code: err.code, message: err.message, ...(err instanceof RateLimitedError ? { retry_after: err.retryAfterSeconds } : {}) } },
    };
  }
  return {
    isError: true,
    content: [{ type: 'text', text: `Internal error: the call did not complete (reference ${reference}).` }],
    structuredContent: { error: { code: 'internal_error', message: 'Internal error', reference } },
  };
}
