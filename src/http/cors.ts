import type { RequestHandler } from 'express';
import { isAllowedOrigin } from './host-origin.js';

/**
 * CORS for browser-based MCP clients (e.g. Inspector's web UI): answer preflights and expose the
 * headers a client must read (WWW-Authenticate to start OAuth, Mcp-Session-Id). This only controls
 * what a browser may read (a 2026-07-28 client also sends Mcp-Method and Mcp-Name); what the server accepts is decided by the host/origin guard and auth.
 */
export function cors(allowedOrigins: () => ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && isAllowedOrigin(origin, allowedOrigins())) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        Vary: 'Origin',
        'Access-Control-Expose-Headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
      });
      if (req.method === 'OPTIONS') {
        res.set({
          'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID',
          'Access-Control-Max-Age': '600',
        });
        res.status(204).end();
        return;
      }
    } else if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}
