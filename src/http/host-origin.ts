import type { RequestHandler } from 'express';
import { JSONRPC_ERROR, jsonRpcErrorResponse } from '../lib/jsonrpc-error.js';

/**
 * DNS-rebinding protection: the Host header must name this server, and a browser's Origin must be
 * this server or a loopback page (a rebinding attacker's page has its own origin, e.g. evil.example).
 * Answered before authentication, with a fixed JSON-RPC error.
 */
export function hostOriginGuard(opts: { allowedHosts: () => ReadonlySet<string>; allowedOrigins: () => ReadonlySet<string> }): RequestHandler {
  return (req, res, next) => {
    const verdict = checkHostOrigin(req.headers, opts.allowedHosts(), opts.allowedOrigins());
    if (verdict !== 'ok') {
      res.status(403).json(jsonRpcErrorResponse(JSONRPC_ERROR.serverError, HOST_ORIGIN_MESSAGES[verdict]));
      return;
    }
    next();
  };
}

export type HostOriginVerdict = 'ok' | 'bad_host' | 'bad_origin';

/** Fixed texts for a refused Host or Origin (the same on every port). */
export const HOST_ORIGIN_MESSAGES: Record<Exclude<HostOriginVerdict, 'ok'>, string> = {
  bad_host: 'Forbidden: Host header not allowed.',
  bad_origin: 'Forbidden: Origin not allowed.',
};

/**
 * The framework-free rule behind every port's guard (MCP, embedded authorization server, FGA API,
 * demo providers): the Host header must be one of `allowedHosts`; an Origin, when present, must be
 * allowed or a loopback page.
 */
export function checkHostOrigin(
  headers: { readonly host?: string | undefined; readonly origin?: string | undefined },
  allowedHosts: ReadonlySet<string>,
  allowedOrigins: ReadonlySet<string>,
): HostOriginVerdict {
  if (!allowedHosts.has((headers.host ?? '').toLowerCase())) return 'bad_host';
  if (headers.origin !== undefined && !isAllowedOrigin(headers.origin, allowedOrigins)) return 'bad_origin';
  return 'ok';
}

export function isAllowedOrigin(origin: string, allowed: ReadonlySet<string>): boolean {
  if (allowed.has(origin.toLowerCase())) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

/** Host header values that name a server listening on `host:port` (plus configured public names). */
export function hostNamesFor(host: string, port: number, extra: readonly string[]): Set<string> {
  const names = new Set<string>(extra.map((h) => h.toLowerCase()));
  const loopback = ['127.0.0.1', 'localhost', '[::1]'];
  // A wildcard bind (0.0.0.0, ::) is reached through loopback on this machine; other names must be configured.
  const hosts = loopback.includes(host) || host === '::1' || host === '0.0.0.0' || host === '::' ? loopback : [host.toLowerCase()];
  for (const h of hosts) names.add(`${h}:${port}`);
  return names;
}
