import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROUTES } from './routes.js';

/**
 * CORS for open dynamic client registration: browser-based MCP clients (MCP Inspector's web UI)
 * register from their own origin. oidc-provider serves CORS on discovery and token but not on
 * registration. Registration here is open and takes no credentials, so any origin may call it;
 * cookies are never involved (no Allow-Credentials).
 */
export function registrationCors(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path !== ROUTES.registration || !req.headers.origin) return false;
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'POST',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization',
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}
