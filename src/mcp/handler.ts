import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandler } from 'express';
import { InsufficientScopeError } from '../errors.js';
import { send } from '../http/authenticate.js';
import { challengeFor, type ChallengeContext } from '../http/bearer-challenge.js';
import { INTERNAL_SERVER_ERROR, JSONRPC_ERROR, jsonRpcErrorResponse } from '../lib/jsonrpc-error.js';
import type { AnyTool } from '../tools/define.js';
import { auditRejected, rejectionOf } from './rejected-calls.js';
import { buildMcpServer, type McpDeps } from './server.js';
import { stepUpScopes } from './step-up.js';

/**
 * POST /mcp: stateless Streamable HTTP. A JSON-RPC batch (an array; not part of MCP since 2025-06-18)
 * is refused with HTTP 400 / -32600 before the MCP SDK sees it, so one request can never carry many
 * gated calls. A tools/call whose tool needs scopes the token lacks is answered with the HTTP 403
 * step-up challenge before it reaches the MCP server. Batches, unknown tools and invalid arguments are
 * audited as `call_rejected`.
 */
export function mcpPostHandler(deps: McpDeps, challenge: ChallengeContext): RequestHandler {
  const byName = new Map<string, AnyTool>(deps.tools.map((t) => [t.name, t]));
  return async (req, res) => {
    const auth = res.locals.auth;
    if (!auth) throw new Error('mcpPostHandler mounted without authentication');
    if (Array.isArray(req.body)) {
      auditRejected(deps.audit, auth.caller, deps.resource(), { reason: 'batch', count: req.body.length });
      res.status(400).json(jsonRpcErrorResponse(JSONRPC_ERROR.invalidRequest, 'Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 and later); send one message per request. Nothing was run.'));
      return;
    }
    const rejected = rejectionOf(req.body, byName);
    if (rejected) auditRejected(deps.audit, auth.caller, deps.resource(), rejected);
    const needed = stepUpScopes(req.body, byName, auth.caller.scopes);
    if (needed) {
      deps.audit.append('step_up', { sub: auth.caller.sub, client: auth.caller.clientId, required: needed });
      return send(res, challengeFor(new InsufficientScopeError(needed), challenge));
    }
    const server = buildMcpServer(deps, auth);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      deps.logger.error({ err }, 'MCP request failed');
      if (!res.headersSent) res.status(500).json(jsonRpcErrorResponse(JSONRPC_ERROR.internalError, INTERNAL_SERVER_ERROR));
    }
  };
}

/** Any method but POST on /mcp: this server is stateless (no standalone SSE stream, no sessions to delete). */
export const mcpMethodNotAllowed: RequestHandler = (_req, res) => {
  res.status(405).set('Allow', 'POST').json(jsonRpcErrorResponse(JSONRPC_ERROR.serverError, 'Method not allowed: this server is stateless; use POST.'));
};
