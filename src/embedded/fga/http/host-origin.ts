/**
 * DNS-rebinding protection for the FGA port, with the MCP port's rules (src/http/host-origin.ts):
 * the Host header must name this server and a browser's Origin must be this server or a loopback
 * page. Refusals are 403 in OpenFGA's error shape, answered before authentication.
 */
import type { RequestHandler } from 'express';
import { checkHostOrigin, HOST_ORIGIN_MESSAGES } from '../../../http/host-origin.js';

export function fgaHostOriginGuard(opts: { allowedHosts: () => ReadonlySet<string>; allowedOrigins: () => ReadonlySet<string> }): RequestHandler {
  return (req, res, next) => {
    const verdict = checkHostOrigin(req.headers, opts.allowedHosts(), opts.allowedOrigins());
    if (verdict !== 'ok') {
      res.status(403).json({ code: 'forbidden', message: HOST_ORIGIN_MESSAGES[verdict] });
      return;
    }
    next();
  };
}
