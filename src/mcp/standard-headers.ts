/**
 * MCP 2026-07-28 (SEP-2243): a request POST carries `MCP-Protocol-Version`, `Mcp-Method` and, for the
 * methods that name a target, `Mcp-Name` mirroring it. The SDK's entry rejects a request whose
 * headers are missing or disagree with the body (400 / -32020); this is the same judgement, made
 * before anything of ours looks at the call, so such a request reaches no gate and is not audited
 * as a call (the SDK then gives the answer). The classifier already compares the version and method
 * headers with the body; this adds presence and the `Mcp-Name` comparison.
 */

/** Which body field `Mcp-Name` mirrors, per method. */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface StandardHeaders {
  readonly protocolVersion?: string | undefined;
  readonly method?: string | undefined;
  readonly name?: string | undefined;
}

/** Whether a modern request's standard headers are present and agree with its body. */
export function standardHeadersAgree(h: StandardHeaders, message: { method: string; params?: unknown }): boolean {
  if (h.protocolVersion === undefined || h.method === undefined) return false;
  const field = NAME_SOURCE[message.method];
  if (field === undefined) return true;
  const params = message.params;
  const value = params && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, unknown>)[field] : undefined;
  const bodyValue = typeof value === 'string' ? value : undefined;
  if (h.name === undefined) return bodyValue === undefined;
  const decoded = decodeName(h.name.replace(/^[\t ]+|[\t ]+$/g, ''));
  if (decoded === undefined) return false;
  return bodyValue === undefined || decoded === bodyValue;
}

function decodeName(v: string): string | undefined {
  if (!(v.startsWith(SENTINEL_PREFIX) && v.endsWith(SENTINEL_SUFFIX))) return v;
  const b64 = v.slice(SENTINEL_PREFIX.length, v.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(b64)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
}
