import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { cors } from './cors.js';
import { hostOriginGuard } from './host-origin.js';
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
      res.status(413).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large.' }, id: null });
      return;
    }
    if (type === 'entity.parse.failed') {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not valid JSON.' }, id: null });
      return;
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      res.status(415).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Unsupported body encoding.' }, id: null });
      return;
    }
    logger.error({ err }, 'unhandled HTTP error');
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  };
}
