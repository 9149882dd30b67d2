import { ALL_SCOPES, missingScopes } from '../identity/scopes.js';
import type { AnyTool } from '../tools/define.js';

/**
 * Scopes a JSON-RPC message (or batch) needs before it reaches the MCP server: for tools/call, the
 * tool's declared scopes. Returns the scope list for a 403 step-up challenge, or undefined when the
 * token already covers the call. The challenge lists the union of what the token has and what the
 * call needs, so re-authorizing with it never loses access the client already had.
 */
export function stepUpScopes(body: unknown, tools: ReadonlyMap<string, AnyTool>, granted: readonly string[]): string[] | undefined {
  const messages = Array.isArray(body) ? body : [body];
  const required = new Set<string>();
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const { method, params } = m as { method?: unknown; params?: { name?: unknown } };
    if (method !== 'tools/call' || typeof params?.name !== 'string') continue;
    const tool = tools.get(params.name);
    if (tool) for (const s of tool.scopes) required.add(s);
  }
  if (!required.size || !missingScopes(granted, required).length) return undefined;
  const known = new Set<string>(ALL_SCOPES);
  return [...new Set([...granted.filter((s) => known.has(s)), ...required])];
}
