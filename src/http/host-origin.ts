import type { RequestHandler } from 'express';

/**
 * DNS-rebinding protection: the Host header must name this server, and a browser's Origin must be
 * this server or a loopback page (a rebinding attacker's page has its own origin, e.g. evil.example).
 * Answered before authentication, with a fixed JSON-RPC error.
 */
export function hostOriginGuard(opts: { allowedHosts: () => ReadonlySet<string>; allowedOrigins: () => ReadonlySet<string> }): RequestHandler {
  return (req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!opts.allowedHosts().has(host)) {
      res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Host header not allowed.' }, id: null });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !isAllowedOrigin(origin, opts.allowedOrigins())) {
      res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Origin not allowed.' }, id: null });
      return;
    }
    next();
  };
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
  const hosts = loopback.includes(host) || host === '::1' ? loopback : [host.toLowerCase()];
  for (const h of hosts) names.add(`${h}:${port}`);
  return names;
}
