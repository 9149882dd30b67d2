import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { argumentDigest } from '../approvals/argument-digest.js';
import type { AuditLog } from '../audit/audit-log.js';
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
    grants: {},
    async progress(message) {
      if (progressToken === undefined) return;
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: ++progressCount, message } }).catch(() => undefined);
    },
  };
  const outcome = await deps.chain.execute(call, deps.audit);
  if (outcome.kind === 'ok') return toCallToolResult(outcome.output);
  if (outcome.kind === 'rejected') {
    auditRejected(deps.audit, caller, resource, { reason: 'rate_limited', tool: tool.name, args, retryAfterSeconds: outcome.error.retryAfterSeconds });
    deps.logger.info({ tool: tool.name, code: outcome.code, sub: caller.sub }, 'tool call refused');
    return toToolError(outcome.error);
  }
  const { error, code, reference } = outcome;
  if (code === 'internal_error') deps.logger.error({ err: error, tool: tool.name, reference }, 'tool call failed');
  else deps.logger.info({ tool: tool.name, code, sub: caller.sub }, 'tool call refused');
  if (isUrlElicitation(error)) throw error;
  const elicitation = toUrlElicitation(error);
  if (elicitation) throw elicitation;
  return toToolError(error, reference);
}

/** URL elicitation (-32042) must travel as a JSON-RPC error, not a tool result. */
function isUrlElicitation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === JSONRPC_ERROR.urlElicitationRequired;
}
