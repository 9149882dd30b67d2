/**
 * Every JSON-RPC error object Gatehouse sends is built here: the HTTP edge's fixed answers (bodies
 * that never reach the MCP SDK) and the errors thrown inside the SDK's request handlers.
 *
 * The message is ours alone. MCP clients prefix what they show with `MCP error <code>: `; so no
 * message we build starts with that prefix, or the person would read it twice.
 */
import { ProtocolError, UrlElicitationRequiredError, type ElicitRequestURLParams } from '@modelcontextprotocol/server';

/** The JSON-RPC 2.0 and MCP error codes Gatehouse answers with. */
export const JSONRPC_ERROR = {
  /** The body is not JSON. */
  parseError: -32700,
  /** Not a request we accept (a batch, a body too large, an unsupported encoding, a missing scope for resources). */
  invalidRequest: -32600,
  /** The parameters are malformed (e.g. a forged cursor). */
  invalidParams: -32602,
  /** A failure on our side; the message carries a reference only. */
  internalError: -32603,
  /** Implementation-defined server error (refused Host/Origin, an HTTP method this stateless server does not serve). */
  serverError: -32000,
  /** MCP 2025-11-25 and earlier: the resource does not exist. The SDK answers unknown resources with -32602 on every revision (2026-07-28 requires it). */
  resourceNotFound: -32002,
  /** MCP 2026-07-28: the HTTP headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name) disagree with the body or are missing. */
  headerMismatch: -32020,
  /** MCP 2026-07-28: the request's protocol version is not one this server speaks. */
  unsupportedProtocolVersion: -32022,
  /** MCP: the client must open a URL (URL elicitation) before retrying. */
  urlElicitationRequired: -32042,
} as const;

/** The fixed text of an unexpected failure at the HTTP edge (the detail goes to the log only). */
export const INTERNAL_SERVER_ERROR = 'Internal server error';

export type JsonRpcErrorCode = (typeof JSONRPC_ERROR)[keyof typeof JSONRPC_ERROR];

export interface JsonRpcErrorResponse {
  readonly jsonrpc: '2.0';
  readonly error: { readonly code: JsonRpcErrorCode; readonly message: string; readonly data?: unknown };
  readonly id: string | number | null;
}

/** A JSON-RPC error response body (for answers given before or outside the MCP SDK; `id` is null when the request could not be read). */
export function jsonRpcErrorResponse(code: JsonRpcErrorCode, message: string, opts: { data?: unknown; id?: string | number | null } = {}): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', error: { code, message, ...(opts.data === undefined ? {} : { data: opts.data }) }, id: opts.id ?? null };
}

/**
 * An error to throw from an MCP SDK request handler: the SDK sends `code`, `message` and `data` as
 * the JSON-RPC error, and `message` is exactly ours (no `MCP error <code>:` prefix).
 */
export function jsonRpcError(code: JsonRpcErrorCode, message: string, data?: unknown): ProtocolError {
  return new ProtocolError(code, message, data);
}

/**
 * The URL elicitation error (-32042, MCP 2025-11-25) for a tool call: a protocol error (so the SDK's
 * tool handler lets it through as a JSON-RPC error rather than a tool result) whose message is exactly ours.
 */
export function urlElicitationError(elicitations: ElicitRequestURLParams[], message: string): UrlElicitationRequiredError {
  return new UrlElicitationRequiredError(elicitations, message);
}
