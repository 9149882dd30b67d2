import { CLIENT_CAPABILITIES_META_KEY, inputRequired, McpServer, type CallToolResult, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { argumentDigest } from '../approvals/argument-digest.js';
import type { AuditLog } from '../audit/audit-log.js';
import { ApprovalPendingError } from '../errors.js';
import type { Chain } from '../gates/chain.js';
import type { ToolCall } from '../gates/gate.js';
import type { Logger } from '../log.js';
import type { AnyTool } from '../tools/define.js';
import { withTraceParent } from '../telemetry/spans.js';
import { registerDocumentResources, type DocumentResources } from './document-resources.js';
import type { McpAuth } from './endpoint.js';
import { auditRejected } from './rejected-calls.js';
import { RequestStateRefusedError, type RequestStatePayload, type RequestStateCodec } from './request-state.js';
import { toCallToolResult, toToolError } from './tool-result.js';
import { connectElicitation, toUrlElicitation } from './url-elicitation.js';

export interface McpDeps {
  readonly tools: readonly AnyTool[];
  readonly chain: Chain;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** The canonical MCP URL (the audience of the tokens we accept). */
  readonly resource: () => string;
  readonly version: string;
  /** FGA-filtered documents served as `doc://{id}` resources (absent: no resources capability). */
  readonly documents?: DocumentResources;
  /** Seals the `requestState` of 2026-07-28 `input_required` results. */
  readonly requestState: RequestStateCodec;
}

export type Era = 'legacy' | 'modern';

const INSTRUCTIONS = 'Tools here are gated: scopes, fine-grained authorization, connected accounts and human approval. A refused call says why and what to do.';

/**
 * Builds the MCP server for one authenticated request (stateless in both eras). Only what the one
 * message needs is registered: a tools/call gets its tool (every tool if the name is unknown, so the
 * SDK answers as usual), a tools/list is answered from the list computed once at start-up, anything
 * else gets no tools. Every tool is a closure over the verified caller, so no tool can run without
 * one, and every call goes through the gate chain and is audited. Cache hints: what depends on the
 * caller (documents) is `private` with no lifetime; the tool list is the same for every caller (it is
 * not filtered per caller: a call the token cannot make is answered with the step-up challenge), so
 * it may be kept for a minute, still `private`.
 */
export function buildMcpServer(deps: McpDeps, auth: McpAuth, era: Era, message: unknown, toolList: readonly Tool[]): McpServer {
  const server = newServer(deps, auth, message);
  const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
  if (method === 'tools/list') {
    server.server.setRequestHandler('tools/list', () => ({ tools: [...toolList] }));
  } else if (method === 'tools/call') {
    const one = deps.tools.find((t) => t.name === params?.name);
    for (const tool of one ? [one] : deps.tools) registerTool(server, tool, (args, ctx) => runTool(deps, auth, era, tool, args, ctx));
  }
  if (deps.documents) registerDocumentResources(server, deps.documents, deps.audit, deps.logger, auth.caller);
  return server;
}

/** The tools/list answer, computed once: the same JSON Schemas the SDK would compute on every listing. */
export function listTools(deps: McpDeps): Tool[] {
  const probe = new McpServer({ name: 'gatehouse', version: deps.version });
  for (const tool of deps.tools) registerTool(probe, tool, async () => ({ content: [] }));
  return deps.tools.map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: probe.toolInputSchemaJson(t.name) as Tool['inputSchema'],
    annotations: annotationsOf(t),
  }));
}

function newServer(deps: McpDeps, auth: McpAuth, message: unknown): McpServer {
  return new McpServer(
    { name: 'gatehouse', version: deps.version, title: 'Gatehouse' },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      cacheHints: {
        'tools/list': { ttlMs: 60_000, cacheScope: 'private' },
        'server/discover': { ttlMs: 60_000, cacheScope: 'private' },
        'resources/templates/list': { ttlMs: 60_000, cacheScope: 'private' },
        'resources/list': { ttlMs: 0, cacheScope: 'private' },
        'resources/read': { ttlMs: 0, cacheScope: 'private' },
      },
      // In stateless 2025 serving there is no channel for server-to-client requests: never try the shim.
      inputRequired: { legacyShim: false },
      // A presented requestState is checked before any handler runs: sealed by us, unexpired, and bound
      // to this caller, this tool and these arguments. A refusal is -32602 (the SDK's fixed text) and audited.
      requestState: { verify: async (state) => verifyState(deps, auth, message, state) },
    },
  );
}

function annotationsOf(tool: AnyTool) {
  return { title: tool.title, readOnlyHint: tool.readOnly ?? false, destructiveHint: tool.risk === 'high', openWorldHint: tool.connection !== undefined };
}

function registerTool(server: McpServer, tool: AnyTool, run: (args: Record<string, unknown>, ctx: ServerContext) => Promise<unknown>): void {
  server.registerTool(tool.name, { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: annotationsOf(tool) }, run as never);
}

/**
 * The requestState hook: the state must be ours, unexpired, and issued for this caller, this tool and
 * these arguments (the digest of the arguments as the tool's schema parses them, as the handler will
 * see them). Anything else is refused before a gate runs, with the reason in the audit log.
 */
async function verifyState(deps: McpDeps, auth: McpAuth, message: unknown, state: string): Promise<RequestStatePayload> {
  const { caller } = auth;
  const params = (message as { params?: { name?: unknown; arguments?: unknown } } | undefined)?.params;
  const name = typeof params?.name === 'string' ? params.name : '';
  const tool = deps.tools.find((t) => t.name === name);
  const parsed = tool?.input.safeParse(params?.arguments ?? {});
  const digest = parsed?.success ? argumentDigest({ tool: name, args: parsed.data as Record<string, unknown>, sub: caller.sub, resource: deps.resource() }) : '';
  const checked = deps.requestState.check(state, { sub: caller.sub, tool: name, digest });
  if (checked.ok) return checked.payload;
  await deps.audit.append('request_state_refused', { sub: caller.sub, kind: caller.kind, client: caller.clientId, tool: name.slice(0, 100) || null, reason: checked.reason });
  throw new RequestStateRefusedError(checked.reason);
}

/** The one place a ToolCall is built and handed to the chain. */
function executeThroughChain(deps: McpDeps, auth: McpAuth, tool: AnyTool, args: Record<string, unknown>, digest: string, ctx: ServerContext) {
  const { caller, credential } = auth;
  let progressCount = 0;
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const call: ToolCall = {
    tool,
    args,
    caller,
    credential,
    resource: deps.resource(),
    digest,
    signal: ctx.mcpReq.signal,
    async progress(message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: ++progressCount, message } }).catch(() => undefined);
    },
  };
  // Trace context in the request's `_meta` (2026-07-28) is more specific than the HTTP headers': it wins.
  return withTraceParent(ctx.mcpReq._meta, () => deps.chain.execute(call, deps.audit));
}

async function runTool(deps: McpDeps, auth: McpAuth, era: Era, tool: AnyTool, args: Record<string, unknown>, ctx: ServerContext): Promise<unknown> {
  const { caller } = auth;
  const resource = deps.resource();
  const digest = argumentDigest({ tool: tool.name, args, sub: caller.sub, resource });
  const outcome = await executeThroughChain(deps, auth, tool, args, digest, ctx);
  if (outcome.kind === 'ok') return toCallToolResult(outcome.output);
  if (outcome.kind === 'rejected') {
    await auditRejected(deps.audit, caller, resource, { reason: 'rate_limited', tool: tool.name, args, retryAfterSeconds: outcome.error.retryAfterSeconds });
    deps.logger.info({ tool: tool.name, code: outcome.code, sub: caller.sub }, 'tool call refused');
    return toToolError(outcome.error);
  }
  const { error, code, reference } = outcome;
  if (code === 'internal_error' || code === 'audit_unavailable') deps.logger.error({ err: error, tool: tool.name, reference }, 'tool call failed');
  else deps.logger.info({ tool: tool.name, code, sub: caller.sub }, 'tool call refused');
  if (era === 'modern') {
    const modern = inputRequiredFor(deps, auth, tool, digest, error, ctx);
    if (modern) return modern;
    return toToolError(error, reference);
  }
  const elicitation = toUrlElicitation(error);
  if (elicitation) throw elicitation;
  return toToolError(error, reference);
}

/**
 * MCP 2026-07-28: a missing connection or an open approval is an `input_required` result whose
 * `requestState` resumes exactly this call. A connection is asked for as a URL-mode elicitation
 * (only when the client declared it; otherwise the tool error carries the URL); an approval is a
 * state-only round: the retry picks up the same open approval.
 */
function inputRequiredFor(deps: McpDeps, auth: McpAuth, tool: AnyTool, digest: string, error: unknown, ctx: ServerContext): CallToolResult | undefined {
  const connect = connectElicitation(error);
  if (connect) {
    if (!declaresUrlElicitation(ctx)) return undefined;
    return inputRequired({
      inputRequests: { connect: inputRequired.elicitUrl({ url: connect.url, message: connect.message }) },
      requestState: deps.requestState.mint({ kind: 'connect', sub: auth.caller.sub, tool: tool.name, digest }),
    }) as unknown as CallToolResult;
  }
  if (error instanceof ApprovalPendingError) {
    return inputRequired({
      requestState: deps.requestState.mint({ kind: 'approval', sub: auth.caller.sub, tool: tool.name, digest, approvalId: error.approvalId }),
    }) as unknown as CallToolResult;
  }
  return undefined;
}

/** Whether this 2026-07-28 request's `_meta` envelope declares URL-mode elicitation. */
function declaresUrlElicitation(ctx: ServerContext): boolean {
  const caps = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: { url?: unknown } } | undefined;
  return typeof caps?.elicitation?.url === 'object' && caps.elicitation.url !== null;
}
