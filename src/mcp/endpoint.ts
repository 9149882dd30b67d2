import { classifyInboundRequest, createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import type { BearerCredential, Caller } from '../identity/caller.js';
import { JSONRPC_ERROR, jsonRpcErrorResponse, type JsonRpcErrorResponse } from '../lib/jsonrpc-error.js';
import type { AnyTool } from '../tools/define.js';
import { withTraceParent } from '../telemetry/spans.js';
import { auditRejected, rejectionOf } from './rejected-calls.js';
import { buildMcpServer, listTools, type McpDeps } from './server.js';
import { standardHeadersAgree } from './standard-headers.js';
import { stepUpScopes } from './step-up.js';

/** The verified caller of one MCP request (the HTTP edge authenticates; this layer never sees a raw header). */
export interface McpAuth {
  readonly caller: Caller;
  readonly credential: BearerCredential;
}

/** One POST to the MCP endpoint, as the HTTP edge read it (the body already parsed as JSON). */
export interface McpPost {
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: unknown;
  readonly auth: McpAuth;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

/**
 * What the MCP layer decided for one POST; the HTTP edge renders it (this layer builds no challenge
 * and knows no HTTP framework):
 * - `insufficient_scope`: the 403 step-up challenge with every scope the call needs;
 * - `reply`: a fixed JSON-RPC error answered before the SDK (a batch);
 * - `response`: the SDK's answer, to be streamed as is.
 */
export type McpOutcome =
  | { readonly kind: 'insufficient_scope'; readonly required: readonly string[] }
  | { readonly kind: 'reply'; readonly status: number; readonly body: JsonRpcErrorResponse }
  | { readonly kind: 'response'; readonly response: Response };

export interface McpEndpoint {
  post(p: McpPost): Promise<McpOutcome>;
  close(): Promise<void>;
}

const AUTH_KEY = 'gatehouse';

/**
 * The MCP endpoint: one URL serving 2026-07-28 (per-request `_meta` envelope, `server/discover`) and
 * the 2025 revisions (stateless fallback), stateless in both. Before the SDK sees a message:
 * a JSON-RPC batch (not part of MCP since 2025-06-18) is refused with 400 / -32600 so one request can
 * never carry many gated calls; a 2026-07-28 request whose headers disagree with its body, or whose
 * version is unsupported, goes straight to the SDK's rejection (nothing is audited as a call, no gate
 * runs); a tools/call whose tool needs scopes the token lacks becomes the step-up outcome; unknown
 * tools and invalid arguments are audited as `call_rejected`.
 */
export function createMcpEndpoint(deps: McpDeps): McpEndpoint {
  const byName = new Map<string, AnyTool>(deps.tools.map((t) => [t.name, t]));
  const toolList = listTools(deps);
  const handler = createMcpHandler(
    ({ era, authInfo }) => {
      const request = authInfo?.extra?.[AUTH_KEY] as { auth: McpAuth; body: unknown } | undefined;
      if (!request) throw new Error('MCP request without a verified caller');
      return buildMcpServer(deps, request.auth, era, request.body, toolList);
    },
    {
      legacy: 'stateless',
      responseMode: 'auto',
      onerror: (err) => deps.logger.debug({ err: err.message }, 'MCP request rejected'),
    },
  );
  return {
    async post(p) {
      const { body, auth } = p;
      if (Array.isArray(body)) {
        await auditRejected(deps.audit, auth.caller, deps.resource(), { reason: 'batch', count: body.length });
        return {
          kind: 'reply',
          status: 400,
          body: jsonRpcErrorResponse(JSONRPC_ERROR.invalidRequest, 'Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 and later); send one message per request. Nothing was run.'),
        };
      }
      const standard = { protocolVersion: header(p.headers, 'mcp-protocol-version'), method: header(p.headers, 'mcp-method'), name: header(p.headers, 'mcp-name') };
      const route = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: standard.protocolVersion,
        mcpMethodHeader: standard.method,
        mcpNameHeader: standard.name,
        body,
      });
      // A request the SDK will refuse (headers missing or disagreeing with the body, an unsupported
      // version, a malformed envelope) is answered by the SDK alone: it is not a call, so no gate runs
      // and nothing is audited as one.
      const refused = route.kind === 'reject' || (route.kind === 'modern' && route.messageKind === 'request' && !standardHeadersAgree(standard, route.message));
      if (!refused) {
        const rejected = rejectionOf(body, byName);
        if (rejected) await auditRejected(deps.audit, auth.caller, deps.resource(), rejected);
        const needed = stepUpScopes(body, byName, auth.caller.scopes);
        if (needed) {
          await deps.audit.append('step_up', { sub: auth.caller.sub, client: auth.caller.clientId, required: needed });
          return { kind: 'insufficient_scope', required: needed };
        }
      }
      const request = new Request(p.url, { method: 'POST', headers: webHeaders(p.headers), signal: p.signal });
      // The request's W3C trace context (`traceparent`, `tracestate`) is the parent of what it runs;
      // a tools/call's `_meta` trace context, more specific, takes precedence (server.ts).
      const response = await withTraceParent({ traceparent: p.headers['traceparent'], tracestate: p.headers['tracestate'] }, () =>
        handler.fetch(request, { authInfo: authInfoOf(auth, body), parsedBody: body }),
      );
      return { kind: 'response', response };
    },
    close: () => handler.close(),
  };
}

/**
 * The SDK's pass-through auth record: scopes for its own checks, our caller and the message in `extra`
 * (the per-request server binds a presented requestState to both). The token stays in its credential.
 */
function authInfoOf(auth: McpAuth, body: unknown): AuthInfo {
  return { token: '[redacted]', clientId: auth.caller.clientId, scopes: [...auth.caller.scopes], extra: { [AUTH_KEY]: { auth, body } } };
}

function header(h: McpPost['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : (v as string | undefined);
}

function webHeaders(h: McpPost['headers']): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || k === 'content-length' || k === 'content-encoding' || k === 'transfer-encoding') continue;
    if (Array.isArray(v)) for (const x of v) out.append(k, x);
    else out.set(k, v as string);
  }
  return out;
}
