import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { randomUUID } from 'node:crypto';
import { argumentDigest } from '../approvals/argument-digest.js';
import type { AuditLog } from '../audit/audit-log.js';
import { GatehouseError, RateLimitedError } from '../errors.js';
import type { Chain } from '../gates/chain.js';
import type { ToolCall } from '../gates/gate.js';
import type { Authenticated } from '../http/authenticate.js';
import { JSONRPC_ERROR } from '../lib/jsonrpc-error.js';
import type { Logger } from '../log.js';
import type { AnyTool } from '../tools/define.js';
import { registerDocumentResources, type DocumentResources } from './document-resources.js';
import { auditRejected } from './rejected-calls.js';
import { toCallToolResult, toToolError } from './tool-result.js';
import { toUrlElicitation } from './url-elicitation.js';

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
}

type Extra = {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (n: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; message?: string } }) => Promise<void>;
};

/**
 * Builds the MCP server for one authenticated request (stateless Streamable HTTP). Every tool is
 * registered as a closure over the verified Caller, so no tool can run without one, and every call
 * goes through the gate chain and is audited.
 */
/**
 * One JSON Schema validator for every per-request server: building an Ajv instance costs more than
 * the rest of a request, and it holds no per-request state (it validates elicitation answers).
 */
const sharedSchemaValidator = new AjvJsonSchemaValidator();

export function buildMcpServer(deps: McpDeps, auth: Authenticated): McpServer {
  const server = new McpServer(
    { name: 'gatehouse', version: deps.version, title: 'Gatehouse' },
    { capabilities: { tools: {} }, jsonSchemaValidator: sharedSchemaValidator, instructions: 'Tools here are gated: scopes, fine-grained authorization, connected accounts and human approval. A refused call says why and what to do.' },
  );
  for (const tool of deps.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: {
          title: tool.title,
          readOnlyHint: tool.readOnly ?? false,
          destructiveHint: tool.risk === 'high',
          openWorldHint: tool.connection !== undefined,
        },
      },
      (async (args: Record<string, unknown>, extra: Extra) => runTool(deps, auth, tool, args, extra)) as never,
    );
  }
  if (deps.documents) registerDocumentResources(server, deps.documents, deps.audit, deps.logger, auth.caller);
  return server;
}

async function runTool(deps: McpDeps, auth: Authenticated, tool: AnyTool, args: Record<string, unknown>, extra: Extra) {
  const { caller, credential } = auth;
  const resource = deps.resource();
  let progressCount = 0;
  const progressToken = extra._meta?.progressToken;
  const call: ToolCall = {
    tool,
    args,
    caller,
    credential,
    resource,
    digest: argumentDigest({ tool: tool.name, args, sub: caller.sub, resource }),
    signal: extra.signal,
    decisions: [],
    grants: new Map(),
    async progress(message) {
      if (progressToken === undefined) return;
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: ++progressCount, message } }).catch(() => undefined);
    },
  };
  const base = { sub: caller.sub, kind: caller.kind, client: caller.clientId, org: caller.orgId ?? null, tool: tool.name, digest: call.digest };
  const ran: Record<string, unknown> = {};
  const audit = (detail: Record<string, unknown>) => void Object.assign(ran, detail);
  try {
    const out = await deps.chain(call, (c) => tool.run(c.args, { caller, signal: c.signal, progress: c.progress, grants: c.grants, audit }));
    deps.audit.append('tool_call', { ...base, decisions: call.decisions, ...(Object.keys(ran).length ? { run: ran } : {}), result: 'ok' });
    return toCallToolResult(out);
  } catch (err) {
    const reference = randomUUID();
    const code = err instanceof GatehouseError ? err.code : 'internal_error';
    if (err instanceof RateLimitedError) auditRejected(deps.audit, caller, resource, { reason: 'rate_limited', tool: tool.name, args, retryAfterSeconds: err.retryAfterSeconds });
    else deps.audit.append('tool_call', { ...base, decisions: call.decisions, ...(Object.keys(ran).length ? { run: ran } : {}), result: 'error', error: code, reference });
    if (code === 'internal_error') deps.logger.error({ err, tool: tool.name, reference }, 'tool call failed');
    else deps.logger.info({ tool: tool.name, code, sub: caller.sub }, 'tool call refused');
    if (isUrlElicitation(err)) throw err;
    const elicitation = toUrlElicitation(err);
    if (elicitation) throw elicitation;
    return toToolError(err, reference);
  }
}

/** URL elicitation (-32042) must travel as a JSON-RPC error, not a tool result. */
function isUrlElicitation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === JSONRPC_ERROR.urlElicitationRequired;
}
