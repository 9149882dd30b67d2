import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { INTERNAL_SERVER_ERROR, JSONRPC_ERROR, jsonRpcErrorResponse } from '../lib/jsonrpc-error.js';
import type { Logger } from '../log.js';
import { cors } from './cors.js';
import { hostOriginGuard } from './host-origin.js';
import { operationsRouter, type OperationsOptions } from './operations.js';
import { protectedResourceMetadataRouter, type ResourceMetadata } from './protected-resource-metadata.js';

export interface HttpAppOptions {
  readonly logger: Logger;
  readonly bodyLimit: string;
  readonly allowedHosts: () => ReadonlySet<string>;
  readonly allowedOrigins: () => ReadonlySet<string>;
  readonly metadata: () => ResourceMetadata;
  /** Authentication for /mcp (bearer, or the test-only no-auth stand-in). */
  readonly authenticate: RequestHandler;
  readonly mcpPost: RequestHandler;
  readonly mcpOther: RequestHandler;
  /** Extra routers (e.g. the connect-account web routes), mounted after the guards. */
  readonly routers?: readonly express.Router[];
  /** /readyz and /metrics (absent: not served). */
  readonly operations?: OperationsOptions;
}

/** The HTTP surface: guards first, then metadata, health and the MCP endpoint. No tool logic here. */
export function createHttpApp(o: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(hostOriginGuard({ allowedHosts: o.allowedHosts, allowedOrigins: o.allowedOrigins }));
  app.use(cors(o.allowedOrigins));
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    next();
  });
  app.use(protectedResourceMetadataRouter(o.metadata));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (o.operations) app.use(operationsRouter(o.operations));
  app.post('/mcp', express.json({ limit: o.bodyLimit, type: ['application/json'] }), o.authenticate, o.mcpPost);
  // Every other method on /mcp (GET, DELETE, PUT, ...) is 405 with Allow: POST, never a 404.
  app.all('/mcp', o.authenticate, o.mcpOther);
  for (const r of o.routers ?? []) app.use(r);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', error_description: 'No such endpoint. The MCP endpoint is /mcp.' });
  });
  app.use(jsonErrors(o.logger));
  return app;
}

/** Body-parser failures as JSON-RPC errors with fixed texts; nothing else leaks. */
function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      res.status(413).json(jsonRpcErrorResponse(JSONRPC_ERROR.invalidRequest, 'Request body too large.'));
      return;
    }
    if (type === 'entity.parse.failed') {
      res.status(400).json(jsonRpcErrorResponse(JSONRPC_ERROR.parseError, 'Parse error: the body is not valid JSON.'));
      return;
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      res.status(415).json(jsonRpcErrorResponse(JSONRPC_ERROR.invalidRequest, 'Unsupported body encoding.'));
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // The body could not be read (a corrupt compressed body, a length that does not match): the client's fault.
      res.status(400).json(jsonRpcErrorResponse(JSONRPC_ERROR.invalidRequest, 'Invalid Request: the body could not be read.'));
      return;
    }
    logger.error({ err }, 'unhandled HTTP error');
    if (!res.headersSent) res.status(500).json(jsonRpcErrorResponse(JSONRPC_ERROR.internalError, INTERNAL_SERVER_ERROR));
  };
}
